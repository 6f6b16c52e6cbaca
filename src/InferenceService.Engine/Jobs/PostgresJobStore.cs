using System.Text.Json;
using Npgsql;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// The job store every replica shares: one PostgreSQL table (<c>inference_jobs</c>). The schema is created and
/// migrated at start, under an advisory lock so replicas starting together never race, and recorded in
/// <c>inference_schema</c>, so a start is idempotent. A claim is one UPDATE of the row its subquery locks with
/// <c>FOR UPDATE SKIP LOCKED</c>: two replicas claiming at once take different jobs, never the same one. Every change a
/// runner makes is conditional on its lease, as in the SQLite store; a replica that dies leaves its jobs running under
/// leases that expire, and another claims them then and resumes from the last checkpoint. Times are Unix milliseconds
/// from the replicas' clocks.
/// </summary>
public sealed class PostgresJobStore : IJobStore
{
    private const string Table = "inference_jobs";

    private const string Columns = JobRecordReader.Columns;

    /// <summary>The advisory lock every replica's migration takes: an arbitrary number that names this schema.</summary>
    private const long MigrationLock = 0x49_6e_66_4a_6f_62_73;

    /// <summary>The schema, one step per version; a step runs once, in order, and is never edited once released.</summary>
    private static readonly string[] s_migrations =
    [
        $"""
        CREATE TABLE IF NOT EXISTS {Table} (
            id TEXT PRIMARY KEY,
            spec TEXT NOT NULL,
            status TEXT NOT NULL,
            version TEXT,
            total BIGINT,
            next_row BIGINT NOT NULL DEFAULT 0,
            succeeded BIGINT NOT NULL DEFAULT 0,
            failed BIGINT NOT NULL DEFAULT 0,
            output_bytes BIGINT NOT NULL DEFAULT 0,
            error_bytes BIGINT NOT NULL DEFAULT 0,
            created BIGINT NOT NULL,
            started BIGINT,
            finished BIGINT,
            error TEXT,
            cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
            owner TEXT,
            lease_expires BIGINT,
            rows_at_resume BIGINT NOT NULL DEFAULT 0,
            resumed BIGINT,
            seq BIGINT GENERATED ALWAYS AS IDENTITY
        );
        CREATE INDEX IF NOT EXISTS {Table}_by_status ON {Table} (status, created, seq);
        CREATE INDEX IF NOT EXISTS {Table}_by_created ON {Table} (created DESC, seq DESC);
        """,
    ];

    private readonly NpgsqlDataSource _source;

    public PostgresJobStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        _source = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>The schema version this code expects.</summary>
    public static int SchemaVersion => s_migrations.Length;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLock});", cancellationToken);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS inference_schema (version INTEGER NOT NULL);", cancellationToken);
        int version;
        await using (var read = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM inference_schema;", connection, transaction))
        {
            version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }
        if (version > s_migrations.Length)
        {
            throw new InvalidOperationException(
                $"The job database's schema is version {version}, newer than this service's ({s_migrations.Length}): run a service at least as new as the one that migrated it.");
        }
        for (var step = version; step < s_migrations.Length; step++)
        {
            await ExecuteAsync(connection, transaction, s_migrations[step], cancellationToken);
            await ExecuteAsync(connection, transaction, $"INSERT INTO inference_schema (version) VALUES ({step + 1});", cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task AddAsync(JobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await using var command = _source.CreateCommand($"INSERT INTO {Table} (id, spec, status, created) VALUES (@id, @spec, @status, @created);");
        command.Parameters.AddWithValue("id", job.Id);
        command.Parameters.AddWithValue("spec", JsonSerializer.Serialize(job.Spec, JobsJsonContext.Default.JobSpec));
        command.Parameters.AddWithValue("status", JobStatuses.Name(job.Status));
        command.Parameters.AddWithValue("created", job.Created.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand($"SELECT {Columns} FROM {Table} WHERE id = @id;");
        command.Parameters.AddWithValue("id", id);
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<JobRecord>> ListAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand($"SELECT {Columns} FROM {Table} ORDER BY created DESC, seq DESC LIMIT @limit OFFSET @offset;");
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("offset", offset);
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
        await using var command = _source.CreateCommand($"SELECT status, COUNT(*) FROM {Table} GROUP BY status;");
        var counts = JobStatuses.All.ToDictionary(s => s, _ => 0L);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[JobStatuses.Parse(reader.GetString(0))] = reader.GetInt64(1);
        }
        return counts;
    }

    public async Task<JobRecord?> TryClaimAsync(string owner, DateTimeOffset now, DateTimeOffset leaseExpires, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand($"""
            UPDATE {Table} SET status = 'running', owner = @owner, lease_expires = @lease,
                started = COALESCE(started, @now), resumed = @now, rows_at_resume = succeeded + failed
            WHERE id = (SELECT id FROM {Table}
                        WHERE status = 'queued' OR (status = 'running' AND (lease_expires IS NULL OR lease_expires < @now))
                        ORDER BY created, seq LIMIT 1
                        FOR UPDATE SKIP LOCKED)
            RETURNING {Columns};
            """);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("lease", leaseExpires.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<bool> SetPlanAsync(string id, string owner, string version, long? total, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand(
            $"UPDATE {Table} SET version = @version, total = COALESCE(@total, total) WHERE id = @id AND owner = @owner AND status = 'running';");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("version", version);
        command.Parameters.Add(new NpgsqlParameter<long?>("total", total));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<JobRecord?> CheckpointAsync(string id, string owner, JobCheckpoint checkpoint, DateTimeOffset leaseExpires, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand($"""
            UPDATE {Table} SET next_row = @next, succeeded = @succeeded, failed = @failed, output_bytes = @output,
                error_bytes = @errors, lease_expires = @lease
            WHERE id = @id AND owner = @owner AND status = 'running'
            RETURNING {Columns};
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        AddCheckpoint(command, checkpoint);
        command.Parameters.AddWithValue("lease", leaseExpires.ToUnixTimeMilliseconds());
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<bool> FinishAsync(string id, string owner, JobStatus status, JobCheckpoint checkpoint, string? error, DateTimeOffset finished, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand($"""
            UPDATE {Table} SET status = @status, next_row = @next, succeeded = @succeeded, failed = @failed,
                output_bytes = @output, error_bytes = @errors, error = @error, finished = @finished,
                owner = NULL, lease_expires = NULL
            WHERE id = @id AND owner = @owner AND status = 'running';
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("status", JobStatuses.Name(status));
        AddCheckpoint(command, checkpoint);
        command.Parameters.Add(new NpgsqlParameter<string?>("error", error));
        command.Parameters.AddWithValue("finished", finished.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<JobRecord?> CancelAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand($"""
            UPDATE {Table} SET
                status = CASE status WHEN 'queued' THEN 'cancelled' ELSE status END,
                finished = CASE status WHEN 'queued' THEN @now ELSE finished END,
                cancel_requested = CASE status WHEN 'running' THEN TRUE ELSE cancel_requested END
            WHERE id = @id
            RETURNING {Columns};
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand($"DELETE FROM {Table} WHERE id = @id AND status IN ('succeeded', 'failed', 'cancelled');");
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Nothing: the running jobs of a shared store may be other replicas' live work. This replica's own interrupted
    /// jobs come back to it, or to another, when their leases expire.
    /// </summary>
    public Task<int> ReleaseAllLeasesAsync(CancellationToken cancellationToken) => Task.FromResult(0);

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    private static void AddCheckpoint(NpgsqlCommand command, JobCheckpoint checkpoint)
    {
        command.Parameters.AddWithValue("next", checkpoint.NextRow);
        command.Parameters.AddWithValue("succeeded", checkpoint.Succeeded);
        command.Parameters.AddWithValue("failed", checkpoint.Failed);
        command.Parameters.AddWithValue("output", checkpoint.OutputBytes);
        command.Parameters.AddWithValue("errors", checkpoint.ErrorBytes);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<JobRecord?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static JobRecord Read(NpgsqlDataReader reader) => JobRecordReader.Read(reader);
}
