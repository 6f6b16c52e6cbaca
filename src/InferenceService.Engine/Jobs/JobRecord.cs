namespace InferenceService.Engine.Jobs;

/// <summary>A job as the store holds it: its spec, status, progress and lease.</summary>
public sealed record JobRecord
{
    public required string Id { get; init; }

    public required JobSpec Spec { get; init; }

    public required JobStatus Status { get; init; }

    /// <summary>The model version that runs it, once it started (a resumed job keeps it).</summary>
    public string? Version { get; init; }

    /// <summary>Rows in the input, once counted.</summary>
    public long? Total { get; init; }

    public JobCheckpoint Checkpoint { get; init; }

    public required DateTimeOffset Created { get; init; }

    public DateTimeOffset? Started { get; init; }

    public DateTimeOffset? Finished { get; init; }

    /// <summary>Why the job failed (or what stopped it), for the client.</summary>
    public string? Error { get; init; }

    /// <summary>Cancellation was asked for while the job ran: its runner stops at the next checkpoint.</summary>
    public bool CancelRequested { get; init; }

    /// <summary>The runner holding the job, while it runs.</summary>
    public string? Owner { get; init; }

    /// <summary>Until when <see cref="Owner"/> holds it; renewed at each checkpoint. Past it, another runner may claim the job.</summary>
    public DateTimeOffset? LeaseExpires { get; init; }

    /// <summary>Rows processed (succeeded or failed) since the current run began, and when it began: for the rate.</summary>
    public long RowsAtResume { get; init; }

    public DateTimeOffset? Resumed { get; init; }
}
