namespace InferenceService.Engine.Accuracy;

/// <summary>
/// The rows of the last <c>window</c> of time, summarized in <see cref="BucketCount"/> buckets of equal length, so
/// memory stays fixed however many rows arrive: a window of an hour drops its oldest minute at a time. A row belongs
/// to its bucket until the bucket is more than a window old. Time that runs backwards is taken as no time passing.
/// Not thread-safe: the owner locks.
/// </summary>
internal sealed class TimeBuckets<TSummary, TRow>
    where TSummary : IRowSummary<TSummary, TRow>, new()
{
    public const int BucketCount = 60;

    private readonly long _bucketTicks;
    private readonly long[] _bucketIds = new long[BucketCount];
    private readonly TSummary?[] _buckets = new TSummary?[BucketCount];
    private long _latest = long.MinValue;

    public TimeBuckets(TimeSpan window)
    {
        _bucketTicks = Math.Max(1, window.Ticks / BucketCount);
        Array.Fill(_bucketIds, long.MinValue);
    }

    public void Add(in TRow row, DateTimeOffset now)
    {
        var id = Current(now);
        var slot = (int)(id % BucketCount);
        var bucket = _buckets[slot] ??= new TSummary();
        if (_bucketIds[slot] != id)
        {
            bucket.Clear();
            _bucketIds[slot] = id;
        }
        bucket.Add(row);
    }

    /// <summary>Merges every bucket of the window ending at <paramref name="now"/> into <paramref name="summary"/>.</summary>
    public void AddTo(TSummary summary, DateTimeOffset now)
    {
        var current = Current(now);
        for (var slot = 0; slot < BucketCount; slot++)
        {
            if (_buckets[slot] is { } bucket && _bucketIds[slot] > current - BucketCount && _bucketIds[slot] <= current)
            {
                summary.Merge(bucket);
            }
        }
    }

    private long Current(DateTimeOffset now) => _latest = Math.Max(_latest, now.UtcTicks / _bucketTicks);
}
