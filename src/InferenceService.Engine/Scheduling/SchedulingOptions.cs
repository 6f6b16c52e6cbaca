namespace InferenceService.Engine.Scheduling;

/// <summary>
/// Server-wide scheduling settings (appsettings section <c>Scheduling</c>): the defaults a model's
/// <c>dynamic_batching.default_queue_policy</c> leaves open, and the limit across every model.
/// </summary>
public sealed class SchedulingOptions
{
    public const string SectionName = "Scheduling";

    /// <summary>
    /// Requests admitted across all models at once (queued or running). Past it, a request is answered 503 at once,
    /// so a spike cannot grow the server's memory without bound. 0: no limit.
    /// </summary>
    public int MaxInFlightRequests { get; set; } = 4096;

    /// <summary>
    /// Queue bound of a model version whose configuration sets no <c>max_queue_size</c> (or 0), batched or not.
    /// Unlike Triton, whose 0 means unbounded, every queue here is bounded.
    /// </summary>
    public int DefaultMaxQueueSize { get; set; } = 1024;

    /// <summary>Queue timeout of a model version whose configuration sets none; 0: requests wait as long as it takes.</summary>
    public long DefaultQueueTimeoutMicroseconds { get; set; }

    /// <summary>
    /// A Run that recent Runs of the model say takes less than this runs on the thread of the request that needs it,
    /// when no other request waits and an instance is idle, instead of being handed to an instance thread and back
    /// (two thread wake-ups, which cost more than a short Run on a busy machine). 0: every Run on the instance threads.
    /// </summary>
    public long InlineRunLimitMicroseconds { get; set; } = 1000;
}
