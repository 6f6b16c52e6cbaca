namespace InferenceService.Engine.Accuracy;

/// <summary>Scored classification rows: how many, how many right, and the confusion counts (true class, predicted class).</summary>
public sealed class ClassificationSummary : IRowSummary<ClassificationSummary, ClassRow>
{
    private readonly Dictionary<ClassRow, long> _pairs = [];

    public long Rows { get; private set; }

    public long Correct { get; private set; }

    /// <summary>Rows per (true class, predicted class) pair; pairs never seen are absent.</summary>
    public IReadOnlyDictionary<ClassRow, long> Pairs => _pairs;

    /// <summary>The share of rows predicted right; null before any row is scored.</summary>
    public double? Accuracy => Rows == 0 ? null : (double)Correct / Rows;

    public void Add(in ClassRow row)
    {
        Rows++;
        if (row.Actual == row.Predicted)
        {
            Correct++;
        }
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_pairs, row, out _)++;
    }

    /// <summary>Adds <paramref name="count"/> rows of one (true class, predicted class) pair at once.</summary>
    internal void Add(ClassRow pair, long count)
    {
        Rows += count;
        if (pair.Actual == pair.Predicted)
        {
            Correct += count;
        }
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_pairs, pair, out _) += count;
    }

    public void Merge(ClassificationSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Rows += other.Rows;
        Correct += other.Correct;
        foreach (var (pair, count) in other._pairs)
        {
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_pairs, pair, out _) += count;
        }
    }

    public void Clear()
    {
        Rows = 0;
        Correct = 0;
        _pairs.Clear();
    }
}
