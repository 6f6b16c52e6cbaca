namespace InferenceService.Engine.Accuracy;

/// <summary>
/// Rows summarized over every rolling window at once: one ring of the newest rows serves all row windows (each reads
/// its own last N), and each time window has its buckets. Thread-safe; adding is O(rows), summarizing O(window).
/// </summary>
public sealed class RollingSummaries<TSummary, TRow>
    where TSummary : IRowSummary<TSummary, TRow>, new()
{
    private readonly Lock _gate = new();
    private readonly RowRing<TRow>? _ring;
    private readonly TimeBuckets<TSummary, TRow>?[] _times;

    public RollingSummaries(IReadOnlyList<RollingWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        Windows = windows;
        var largest = windows.Select(w => w.Rows ?? 0).DefaultIfEmpty(0).Max();
        _ring = largest > 0 ? new RowRing<TRow>(largest) : null;
        _times = windows.Select(w => w.Duration is { } duration ? new TimeBuckets<TSummary, TRow>(duration) : null).ToArray();
    }

    public IReadOnlyList<RollingWindow> Windows { get; }

    public void Add(ReadOnlySpan<TRow> rows, DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (ref readonly var row in rows)
            {
                _ring?.Add(row);
                foreach (var buckets in _times)
                {
                    buckets?.Add(row, now);
                }
            }
        }
    }

    /// <summary>One summary per window, in the order of <see cref="Windows"/>.</summary>
    public TSummary[] Summarize(DateTimeOffset now)
    {
        var summaries = new TSummary[Windows.Count];
        lock (_gate)
        {
            for (var i = 0; i < Windows.Count; i++)
            {
                summaries[i] = new TSummary();
                if (Windows[i].Rows is { } rows)
                {
                    _ring!.AddNewestTo(summaries[i], rows);
                }
                else
                {
                    _times[i]!.AddTo(summaries[i], now);
                }
            }
        }
        return summaries;
    }
}
