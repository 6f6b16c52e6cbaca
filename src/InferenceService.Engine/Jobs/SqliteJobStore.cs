using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// The job store of one replica: an SQLite database file (write-ahead log, synchronous=FULL, so a committed checkpoint
/// survives a crash or power loss). Writes are serialized by one gate, so SQLite never answers "busy" to this process.
/// Claims are one UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING statement: atomic in SQLite, and the same statement
/// shape a shared database would run with row locks.
/// </summary>
public sealed class SqliteJobStore : IJobStore
{
    private const string Columns = JobRecordReader.Columns;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writes = new(1, 1);

    public SqliteJobStore(string databasePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = 30,
        }.ToString();
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        await ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS jobs (
                id TEXT PRIMARY KEY,
                spec TEXT NOT NULL,
                status TEXT NOT NULL,
                version TEXT,
                total INTEGER,
                next_row INTEGER NOT NULL DEFAULT 0,
                succeeded INTEGER NOT NULL DEFAULT 0,
                failed INTEGER NOT NULL DEFAULT 0,
                output_bytes INTEGER NOT NULL DEFAULT 0,
                error_bytes INTEGER NOT NULL DEFAULT 0,
                created INTEGER NOT NULL,
                started INTEGER,
                finished INTEGER,
                error TEXT,
                cancel_requested INTEGER NOT NULL DEFAULT 0,
                owner TEXT,
                lease_expires INTEGER,
                rows_at_resume INTEGER NOT NULL DEFAULT 0,
                resumed INTEGER,
                seq INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created);
            CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created DESC, seq DESC);
            """, cancellationToken);
    }

    public async Task AddAsync(JobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await WriteAsync(async connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO jobs (id, spec, status, created, seq)
                VALUES ($id, $spec, $status, $created, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs));
                """;
            command.Parameters.AddWithValue("$id", job.Id);
            command.Parameters.AddWithValue("$spec", JsonSerializer.Serialize(job.Spec, JobsJsonContext.Default.JobSpec));
            command.Parameters.AddWithValue("$status", JobStatuses.Name(job.Status));
            command.Parameters.AddWithValue("$created", job.Created.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);
    }

    public async Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM jobs WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<JobRecord>> ListAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM jobs ORDER BY created DESC, seq DESC LIMIT $limit OFFSET $offset;";
        command.Parameters.AddWithValue("$limit", limit);
        command.Parameters.AddWithValue("$offset", offset);
        var jobs = new List<JobRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(Read(reader));
        }
        return jobs;
    }

    public async Task<IReadOnlyDictionary<JobStatus, long>> CountByStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, COUNT(*) FROM jobs GROUP BY status;";
        var counts = JobStatuses.All.ToDictionary(s => s, _ => 0L);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[JobStatuses.Parse(reader.GetString(0))] = reader.GetInt64(1);
        }
        return counts;
    }

    public Task<JobRecord?> TryClaimAsync(string owner, DateTimeOffset now, DateTimeOffset leaseExpires, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                UPDATE jobs SET status = 'running', owner = $owner, lease_expires = $lease,
                    started = COALESCE(started, $now), resumed = $now, rows_at_resume = succeeded + failed
                WHERE id = (SELECT id FROM jobs
                            WHERE status = 'queued' OR (status = 'running' AND (lease_expires IS NULL OR lease_expires < $now))
                            ORDER BY created, seq LIMIT 1)
                RETURNING {Columns};
                """;
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$lease", leaseExpires.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return await ReadOneAsync(command, cancellationToken);
        }, cancellationToken);

    public Task<bool> SetPlanAsync(string id, string owner, string version, long? total, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE jobs SET version = $version, total = COALESCE($total, total) WHERE id = $id AND owner = $owner AND status = 'running';";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$version", version);
            command.Parameters.AddWithValue("$total", (object?)total ?? DBNull.Value);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<JobRecord?> CheckpointAsync(string id, string owner, JobCheckpoint checkpoint, DateTimeOffset leaseExpires, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                UPDATE jobs SET next_row = $next, succeeded = $succeeded, failed = $failed, output_bytes = $output,
                    error_bytes = $errors, lease_expires = $lease
                WHERE id = $id AND owner = $owner AND status = 'running'
                RETURNING {Columns};
                """;
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$owner", owner);
            AddCheckpoint(command, checkpoint);
            command.Parameters.AddWithValue("$lease", leaseExpires.ToUnixTimeMilliseconds());
            return await ReadOneAsync(command, cancellationToken);
        }, cancellationToken);

    public Task<bool> FinishAsync(string id, string owner, JobStatus status, JobCheckpoint checkpoint, string? error, DateTimeOffset finished, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE jobs SET status = $status, next_row = $next, succeeded = $succeeded, failed = $failed,
                    output_bytes = $output, error_bytes = $errors, error = $error, finished = $finished,
                    owner = NULL, lease_expires = NULL
                WHERE id = $id AND owner = $owner AND status = 'running';
                """;
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$status", JobStatuses.Name(status));
            AddCheckpoint(command, checkpoint);
            command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            command.Parameters.AddWithValue("$finished", finished.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<JobRecord?> CancelAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            using (var command = connection.CreateCommand())
            {
                command.CommandText = """
                    UPDATE jobs SET
                        status = CASE status WHEN 'queued' THEN 'cancelled' ELSE status END,
                        finished = CASE status WHEN 'queued' THEN $now ELSE finished END,
                        cancel_requested = CASE status WHEN 'running' THEN 1 ELSE cancel_requested END
                    WHERE id = $id;
                    """;
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            using var read = connection.CreateCommand();
            read.CommandText = $"SELECT {Columns} FROM jobs WHERE id = $id;";
            read.Parameters.AddWithValue("$id", id);
            return await ReadOneAsync(read, cancellationToken);
        }, cancellationToken);

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM jobs WHERE id = $id AND status IN ('succeeded', 'failed', 'cancelled');";
            command.Parameters.AddWithValue("$id", id);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<int> ReleaseAllLeasesAsync(CancellationToken cancellationToken) =>
        WriteAsync(async connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE jobs SET owner = NULL, lease_expires = NULL WHERE status = 'running';";
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    /// <summary>Releases the pooled connections of this database. The write gate is left alone: a runner finishing on
    /// the way out may still pass through it.</summary>
    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }

    private static void AddCheckpoint(SqliteCommand command, JobCheckpoint checkpoint)
    {
        command.Parameters.AddWithValue("$next", checkpoint.NextRow);
        command.Parameters.AddWithValue("$succeeded", checkpoint.Succeeded);
        command.Parameters.AddWithValue("$failed", checkpoint.Failed);
        command.Parameters.AddWithValue("$output", checkpoint.OutputBytes);
        command.Parameters.AddWithValue("$errors", checkpoint.ErrorBytes);
    }

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> write, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            return await write(connection);
        }
        finally
        {
            _writes.Release();
        }
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // FULL: a commit is on disk (the log fsync'd) before it returns, so a checkpoint read back after a crash is one
        // the output files already match.
        await ExecuteAsync(connection, "PRAGMA synchronous=FULL;", cancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<JobRecord?> ReadOneAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static JobRecord Read(SqliteDataReader reader) => JobRecordReader.Read(reader);
}
