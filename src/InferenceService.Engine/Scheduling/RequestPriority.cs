namespace InferenceService.Engine.Scheduling;

/// <summary>
/// The lane a request waits in (Triton's <c>priority_levels</c>, with two levels): an instance that is free takes
/// online requests first and batch-job requests only when no online request waits.
/// </summary>
public enum RequestPriority
{
    /// <summary>A real-time request: a client waits for its answer.</summary>
    Online,

    /// <summary>A row batch of a batch job: throughput matters, not its latency.</summary>
    Job,
}
