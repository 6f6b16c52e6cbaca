using System.Diagnostics;

namespace InferenceService.LoadGenerator.Load;

/// <summary>
/// When a closed-loop step stops sending: after a duration or after a number of requests, whichever the run was given.
/// Shared by every sender of the step, so the count is exact under concurrency.
/// </summary>
internal sealed class StepBudget
{
    private readonly long _endTimestamp;
    private long _remaining;

    private StepBudget(long endTimestamp, long remaining)
    {
        _endTimestamp = endTimestamp;
        _remaining = remaining;
    }

    public static StepBudget ForDuration(TimeSpan duration) =>
        new(Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency), long.MaxValue);

    public static StepBudget ForRequests(long requests) => new(long.MaxValue, requests);

    /// <summary>Takes one request from the budget; false once the time is up or the count is spent.</summary>
    public bool TryTake() => Stopwatch.GetTimestamp() < _endTimestamp && Interlocked.Decrement(ref _remaining) >= 0;
}
