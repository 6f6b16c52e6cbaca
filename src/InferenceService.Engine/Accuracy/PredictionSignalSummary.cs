using System.Runtime.InteropServices;

namespace InferenceService.Engine.Accuracy;

/// <summary>Label-free signals of predicted rows: how often each class was predicted, and how confidently.</summary>
public sealed class PredictionSignalSummary : IRowSummary<PredictionSignalSummary, PredictedRow>
{
    private readonly Dictionary<long, long> _classes = [];
    private readonly long[] _confidence = new long[ConfidenceBuckets.UpperBounds.Count];

    public long Rows { get; private set; }

    /// <summary>Rows per predicted class.</summary>
    public IReadOnlyDictionary<long, long> Classes => _classes;

    /// <summary>Rows per confidence bucket (<see cref="ConfidenceBuckets.UpperBounds"/>); rows without a confidence are not counted.</summary>
    public IReadOnlyList<long> ConfidenceCounts => _confidence;

    /// <summary>Rows that had a confidence.</summary>
    public long ConfidenceRows { get; private set; }

    public double ConfidenceSum { get; private set; }

    /// <summary>The mean top-1 confidence; null when no row had one.</summary>
    public double? MeanConfidence => ConfidenceRows == 0 ? null : ConfidenceSum / ConfidenceRows;

    public void Add(in PredictedRow row)
    {
        Rows++;
        CollectionsMarshal.GetValueRefOrAddDefault(_classes, row.Class, out _)++;
        if (!double.IsNaN(row.Confidence))
        {
            _confidence[ConfidenceBuckets.IndexOf(row.Confidence)]++;
            ConfidenceRows++;
            ConfidenceSum += row.Confidence;
        }
    }

    /// <summary>Adds <paramref name="count"/> rows predicted as <paramref name="predicted"/>, summarized elsewhere.</summary>
    internal void AddClass(long predicted, long count)
    {
        Rows += count;
        CollectionsMarshal.GetValueRefOrAddDefault(_classes, predicted, out _) += count;
    }

    /// <summary>Adds confidence counts summarized elsewhere: <paramref name="count"/> rows in bucket <paramref name="bucket"/>.</summary>
    internal void AddConfidenceBucket(int bucket, long count)
    {
        if (bucket >= 0 && bucket < _confidence.Length)
        {
            _confidence[bucket] += count;
        }
    }

    /// <summary>Adds the confidence totals of rows summarized elsewhere.</summary>
    internal void AddConfidenceTotals(long rows, double sum)
    {
        ConfidenceRows += rows;
        ConfidenceSum += sum;
    }

    public void Merge(PredictionSignalSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Rows += other.Rows;
        foreach (var (predicted, count) in other._classes)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_classes, predicted, out _) += count;
        }
        for (var i = 0; i < _confidence.Length; i++)
        {
            _confidence[i] += other._confidence[i];
        }
        ConfidenceRows += other.ConfidenceRows;
        ConfidenceSum += other.ConfidenceSum;
    }

    public void Clear()
    {
        Rows = 0;
        _classes.Clear();
        Array.Clear(_confidence);
        ConfidenceRows = 0;
        ConfidenceSum = 0;
    }
}
