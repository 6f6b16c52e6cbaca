namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>
/// The time buckets of a window, as <see cref="TimeBuckets{TSummary, TRow}"/> cuts them: sixty of equal length, a
/// row belonging to its bucket until the bucket is more than a window old. Every replica cuts time the same way, so
/// their rows meet in the same buckets.
/// </summary>
internal static class TimeBucketIds
{
    public static long TicksOf(TimeSpan window) => Math.Max(1, window.Ticks / TimeBuckets<NumericSummary, NumericRow>.BucketCount);

    public static long Of(TimeSpan window, DateTimeOffset now) => now.UtcTicks / TicksOf(window);

    /// <summary>How long a bucket's key must live: until the bucket has left the window.</summary>
    public static TimeSpan LifetimeOf(TimeSpan window) => window + TimeSpan.FromTicks(2 * TicksOf(window));

    /// <summary>The buckets of the window ending at <paramref name="now"/>, oldest first.</summary>
    public static IEnumerable<long> InWindow(TimeSpan window, DateTimeOffset now)
    {
        var current = Of(window, now);
        for (var id = current - TimeBuckets<NumericSummary, NumericRow>.BucketCount + 1; id <= current; id++)
        {
            yield return id;
        }
    }
}
