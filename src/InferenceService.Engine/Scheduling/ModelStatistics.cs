using System.Collections.Concurrent;

namespace InferenceService.Engine.Scheduling;

/// <summary>
/// Cumulative counters of one model version, in the shape of Triton's statistics extension: per request (success,
/// failure, and the stages of each successful one) and per Run (by batch size). Updated lock-free by the scheduler;
/// read at any time, each counter consistent with itself.
/// </summary>
public sealed class ModelStatistics
{
    private readonly ConcurrentDictionary<int, BatchSizeStatistics> _batches = new();
    private long _inferenceCount;
    private long _executionCount;
    private long _lastInferenceMs;

    public Duration Success { get; } = new();

    public Duration Failure { get; } = new();

    public Duration Queue { get; } = new();

    public Duration ComputeInput { get; } = new();

    public Duration ComputeInfer { get; } = new();

    public Duration ComputeOutput { get; } = new();

    /// <summary>Rows inferred (the batch dimension summed over Runs).</summary>
    public long InferenceCount => Interlocked.Read(ref _inferenceCount);

    /// <summary>Runs made.</summary>
    public long ExecutionCount => Interlocked.Read(ref _executionCount);

    /// <summary>When the last Run ended, in milliseconds since the Unix epoch; 0 before the first.</summary>
    public long LastInferenceMs => Interlocked.Read(ref _lastInferenceMs);

    /// <summary>Per batch size, smallest first.</summary>
    public IEnumerable<BatchSizeStatistics> Batches => _batches.Values.OrderBy(b => b.BatchSize);

    internal void RecordRun(in BatchExecution run, DateTimeOffset ended)
    {
        Interlocked.Increment(ref _executionCount);
        Interlocked.Add(ref _inferenceCount, run.BatchSize);
        Interlocked.Exchange(ref _lastInferenceMs, ended.ToUnixTimeMilliseconds());
        var batch = _batches.GetOrAdd(run.BatchSize, static size => new BatchSizeStatistics(size));
        batch.ComputeInput.Add(run.Gather);
        batch.ComputeInfer.Add(run.Run);
        batch.ComputeOutput.Add(run.Scatter);
    }

    internal void RecordSuccess(TimeSpan total, StageTimings timings)
    {
        Success.Add(total);
        Queue.Add(timings.Queue);
        ComputeInput.Add(timings.Gather);
        ComputeInfer.Add(timings.Run);
        ComputeOutput.Add(timings.Scatter);
    }

    internal void RecordFailure(TimeSpan total) => Failure.Add(total);

    /// <summary>A count and the total time of what it counts.</summary>
    public sealed class Duration
    {
        private long _count;
        private long _ticks;

        public long Count => Interlocked.Read(ref _count);

        /// <summary>The total, in nanoseconds (Triton's unit).</summary>
        public long Nanoseconds => Interlocked.Read(ref _ticks) * 100;

        internal void Add(TimeSpan elapsed)
        {
            Interlocked.Increment(ref _count);
            Interlocked.Add(ref _ticks, elapsed.Ticks);
        }
    }

    /// <summary>The Runs of one batch size.</summary>
    public sealed class BatchSizeStatistics(int batchSize)
    {
        public int BatchSize { get; } = batchSize;

        public Duration ComputeInput { get; } = new();

        public Duration ComputeInfer { get; } = new();

        public Duration ComputeOutput { get; } = new();
    }
}
