namespace InferenceService.Engine.Accuracy;

/// <summary>One scored row of a classification output: its true class and the class predicted.</summary>
public readonly record struct ClassRow(long Actual, long Predicted);

/// <summary>One scored row of a numeric output: the sums of its values' absolute and squared errors, and how many values.</summary>
public readonly record struct NumericRow(double AbsoluteError, double SquaredError, int Values);

/// <summary>One predicted row of a classification output, for the label-free signals: its class and top-1 confidence (NaN when the output has no scores).</summary>
public readonly record struct PredictedRow(long Class, double Confidence);

/// <summary>
/// A running summary of rows, mergeable so that a window is the merge of its parts (ring-buffer rows, time buckets).
/// </summary>
/// <typeparam name="TSelf">The summary type.</typeparam>
/// <typeparam name="TRow">The row it summarizes.</typeparam>
public interface IRowSummary<TSelf, TRow>
    where TSelf : IRowSummary<TSelf, TRow>, new()
{
    /// <summary>Rows summarized.</summary>
    long Rows { get; }

    void Add(in TRow row);

    void Merge(TSelf other);

    void Clear();
}
