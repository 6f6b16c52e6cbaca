using System.Data.Common;
using System.Text.Json;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// A job row as both stores select it (<see cref="Columns"/>, in that order), one mapping for SQLite and PostgreSQL.
/// Times are Unix milliseconds.
/// </summary>
internal static class JobRecordReader
{
    /// <summary>The columns <see cref="Read"/> reads, in its order.</summary>
    public const string Columns = "id, spec, status, version, total, next_row, succeeded, failed, output_bytes, error_bytes, created, started, finished, error, cancel_requested, owner, lease_expires, rows_at_resume, resumed";

    public static JobRecord Read(DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Spec = JsonSerializer.Deserialize(reader.GetString(1), JobsJsonContext.Default.JobSpec)!,
        Status = JobStatuses.Parse(reader.GetString(2)),
        Version = reader.IsDBNull(3) ? null : reader.GetString(3),
        Total = reader.IsDBNull(4) ? null : reader.GetInt64(4),
        Checkpoint = new JobCheckpoint(reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9)),
        Created = Time(reader, 10)!.Value,
        Started = Time(reader, 11),
        Finished = Time(reader, 12),
        Error = reader.IsDBNull(13) ? null : reader.GetString(13),
        // SQLite has no boolean: an integer there, a boolean in PostgreSQL.
        CancelRequested = reader.GetFieldType(14) == typeof(bool) ? reader.GetBoolean(14) : reader.GetInt64(14) != 0,
        Owner = reader.IsDBNull(15) ? null : reader.GetString(15),
        LeaseExpires = Time(reader, 16),
        RowsAtResume = reader.GetInt64(17),
        Resumed = Time(reader, 18),
    };

    private static DateTimeOffset? Time(DbDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(column));
}
