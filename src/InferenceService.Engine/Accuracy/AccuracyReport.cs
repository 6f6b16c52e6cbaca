namespace InferenceService.Engine.Accuracy;

/// <summary>Everything known about one model version's accuracy, per scorable output.</summary>
public sealed record ModelAccuracyReport(string Model, long Version, IReadOnlyList<OutputAccuracyReport> Outputs);

/// <summary>
/// One output: its scores against ground truth per window and, for classification outputs, the label-free signals
/// of every prediction per window.
/// </summary>
public sealed record OutputAccuracyReport(
    string Output,
    ScoredOutputKind Kind,
    IReadOnlyList<ScoredWindowReport> Windows,
    IReadOnlyList<PredictionWindowReport>? Predictions);

/// <summary>
/// The rows scored in one window. Classification: <see cref="Accuracy"/> and the <see cref="Confusion"/> matrix.
/// Numeric: <see cref="Values"/>, <see cref="MeanAbsoluteError"/> and <see cref="RootMeanSquaredError"/>.
/// Scores are null while the window holds no scored row.
/// </summary>
public sealed record ScoredWindowReport(
    RollingWindow Window,
    long Rows,
    double? Accuracy,
    ConfusionMatrix? Confusion,
    long? Values,
    double? MeanAbsoluteError,
    double? RootMeanSquaredError);

/// <summary>
/// Rows by true class (one row of <see cref="Counts"/> per entry of <see cref="Labels"/>) and predicted class (one
/// column per entry, in the same order).
/// </summary>
public sealed record ConfusionMatrix(IReadOnlyList<string> Labels, IReadOnlyList<IReadOnlyList<long>> Counts);

/// <summary>
/// Label-free signals of the rows predicted in one window, scored or not: how often each class was predicted, and a
/// histogram of top-1 confidence (counts per bucket of <see cref="ConfidenceBuckets.UpperBounds"/>; null when the
/// output has no scores to be confident about).
/// </summary>
public sealed record PredictionWindowReport(
    RollingWindow Window,
    long Rows,
    IReadOnlyList<ClassCount> Classes,
    IReadOnlyList<long>? ConfidenceCounts,
    double? MeanConfidence);

/// <summary>How many rows a class was predicted for.</summary>
public sealed record ClassCount(string Class, long Count);

/// <summary>What one feedback (or one request's inline targets) scored, output by output.</summary>
public sealed record FeedbackResult(PredictionKey Prediction, IReadOnlyList<ScoredOutputResult> Outputs);

/// <summary>
/// The rows of one output scored by one feedback: <see cref="Correct"/> for classes, <see cref="MeanAbsoluteError"/>
/// and <see cref="RootMeanSquaredError"/> for numbers.
/// </summary>
public sealed record ScoredOutputResult(string Output, long Rows, long? Correct, double? MeanAbsoluteError, double? RootMeanSquaredError);
