using System.Collections.Immutable;
using InferenceService.Engine.Repository;

namespace InferenceService.Engine.Scheduling;

/// <summary>What a timed-out queued request becomes.</summary>
public enum TimeoutAction
{
    /// <summary>Removed from the queue and answered 504.</summary>
    Reject,

    /// <summary>Kept in the queue, behind every request that has not timed out.</summary>
    Delay,
}

/// <summary>
/// How one model version's requests are queued and batched: its configuration with the server's defaults filled in.
/// </summary>
public sealed record BatchingPolicy
{
    /// <summary>Rows one Run may hold; 0: the model has no batch dimension and each request runs alone.</summary>
    public int MaxBatchSize { get; init; }

    /// <summary>Whether requests are combined into one Run (config.json has a <c>dynamic_batching</c> block).</summary>
    public bool Batching { get; init; }

    /// <summary>Batch sizes sent as soon as they are formed, largest first.</summary>
    public ImmutableArray<int> PreferredBatchSizes { get; init; } = [];

    /// <summary>How long the oldest request may wait for others to fill its batch.</summary>
    public TimeSpan MaxQueueDelay { get; init; }

    /// <summary>Answer in arrival order even when several instances finish out of order.</summary>
    public bool PreserveOrdering { get; init; }

    /// <summary>Requests that may wait at once.</summary>
    public int MaxQueueSize { get; init; }

    /// <summary>How long a request may wait in the queue; zero: no limit.</summary>
    public TimeSpan DefaultTimeout { get; init; }

    public TimeoutAction TimeoutAction { get; init; }

    /// <summary>Whether a request may ask for a shorter timeout than <see cref="DefaultTimeout"/>.</summary>
    public bool AllowTimeoutOverride { get; init; }

    /// <summary>The policy of a model configuration (already validated), with the server's defaults.</summary>
    public static BatchingPolicy From(ModelConfig config, SchedulingOptions defaults)
    {
        var batching = config.DynamicBatching;
        var queue = batching?.DefaultQueuePolicy;
        var timeoutMicroseconds = queue is { DefaultTimeoutMicroseconds: > 0 } ? queue.DefaultTimeoutMicroseconds : defaults.DefaultQueueTimeoutMicroseconds;
        return new BatchingPolicy
        {
            MaxBatchSize = config.MaxBatchSize,
            Batching = batching is not null && config.MaxBatchSize > 0,
            PreferredBatchSizes = [.. (batching?.PreferredBatchSize ?? []).Distinct().OrderDescending()],
            MaxQueueDelay = TimeSpan.FromMicroseconds(batching?.MaxQueueDelayMicroseconds ?? 0),
            PreserveOrdering = batching?.PreserveOrdering ?? false,
            MaxQueueSize = queue is { MaxQueueSize: > 0 } ? (int)Math.Min(queue.MaxQueueSize, int.MaxValue) : defaults.DefaultMaxQueueSize,
            DefaultTimeout = TimeSpan.FromMicroseconds(timeoutMicroseconds),
            TimeoutAction = queue?.TimeoutAction == "DELAY" ? TimeoutAction.Delay : TimeoutAction.Reject,
            AllowTimeoutOverride = queue?.AllowTimeoutOverride ?? false,
        };
    }

    /// <summary>
    /// The queue timeout of one request: the default, or the request's own when overriding is allowed and it is
    /// shorter (a request may never wait longer than the model allows). Zero: no limit.
    /// </summary>
    public TimeSpan TimeoutFor(TimeSpan? requested)
    {
        if (requested is not { } asked || !AllowTimeoutOverride || asked <= TimeSpan.Zero)
        {
            return DefaultTimeout;
        }
        return DefaultTimeout == TimeSpan.Zero || asked < DefaultTimeout ? asked : DefaultTimeout;
    }
}
