namespace InferenceService.Engine.Accuracy;

/// <summary>Scored numeric rows: the error sums from which mean absolute error and root mean squared error follow.</summary>
public sealed class NumericSummary : IRowSummary<NumericSummary, NumericRow>
{
    public long Rows { get; private set; }

    /// <summary>Values compared (a row may hold several).</summary>
    public long Values { get; private set; }

    public double AbsoluteErrorSum { get; private set; }

    public double SquaredErrorSum { get; private set; }

    /// <summary>Mean absolute error over every value; null before any value is scored.</summary>
    public double? MeanAbsoluteError => Values == 0 ? null : AbsoluteErrorSum / Values;

    /// <summary>Root mean squared error over every value; null before any value is scored.</summary>
    public double? RootMeanSquaredError => Values == 0 ? null : Math.Sqrt(SquaredErrorSum / Values);

    public void Add(in NumericRow row)
    {
        Rows++;
        Values += row.Values;
        AbsoluteErrorSum += row.AbsoluteError;
        SquaredErrorSum += row.SquaredError;
    }

    /// <summary>Adds the totals of rows summarized elsewhere.</summary>
    internal void Add(long rows, long values, double absoluteErrorSum, double squaredErrorSum)
    {
        Rows += rows;
        Values += values;
        AbsoluteErrorSum += absoluteErrorSum;
        SquaredErrorSum += squaredErrorSum;
    }

    public void Merge(NumericSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Rows += other.Rows;
        Values += other.Values;
        AbsoluteErrorSum += other.AbsoluteErrorSum;
        SquaredErrorSum += other.SquaredErrorSum;
    }

    public void Clear()
    {
        Rows = 0;
        Values = 0;
        AbsoluteErrorSum = 0;
        SquaredErrorSum = 0;
    }
}
