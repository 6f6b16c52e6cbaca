namespace InferenceService.Engine.Accuracy;

/// <summary>
/// The most recent rows, up to a capacity: each new row overwrites the oldest. The buffer grows to its capacity only as
/// rows arrive, so an output that is never scored costs almost nothing. Not thread-safe: the owner locks.
/// </summary>
internal sealed class RowRing<TRow>(int capacity)
{
    private TRow[] _rows = [];
    private long _written;

    public int Capacity { get; } = capacity;

    public void Add(in TRow row)
    {
        if (_written < Capacity && _written == _rows.Length)
        {
            // Still filling: rows sit at their index, so growing is a plain copy.
            Array.Resize(ref _rows, (int)Math.Min(Capacity, Math.Max(16, _rows.Length * 2L)));
        }
        _rows[_written % Capacity] = row;
        _written++;
    }

    /// <summary>Adds the newest <paramref name="count"/> rows (or all there are) to <paramref name="summary"/>.</summary>
    public void AddNewestTo<TSummary>(TSummary summary, int count)
        where TSummary : IRowSummary<TSummary, TRow>, new()
    {
        var oldest = Math.Max(0, _written - Math.Min(count, Capacity));
        for (var k = _written - 1; k >= oldest; k--)
        {
            summary.Add(_rows[k % Capacity]);
        }
    }
}
