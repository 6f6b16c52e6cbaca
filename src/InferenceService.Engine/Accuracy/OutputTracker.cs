using System.Globalization;
using InferenceService.Engine.Onnx;

namespace InferenceService.Engine.Accuracy;

/// <summary>
/// What is tracked about one output of one model version: how it is scored, its classes, its rolling scores against
/// ground truth and, for classes, its label-free prediction signals.
/// </summary>
public sealed class OutputTracker
{
    public OutputTracker(string model, long version, TensorInfo output, IReadOnlyList<string>? labels, IReadOnlyList<RollingWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(output);
        Model = model;
        Version = version;
        Name = output.Name;
        Kind = ScoredOutputKinds.Of(output, labels);
        Labels = labels is { Count: > 0 } ? labels : null;
        Windows = windows;
        if (Kind.IsClassification())
        {
            Scores = new RollingSummaries<ClassificationSummary, ClassRow>(windows);
            Signals = new RollingSummaries<PredictionSignalSummary, PredictedRow>(windows);
        }
        else if (Kind == ScoredOutputKind.Numeric)
        {
            Errors = new RollingSummaries<NumericSummary, NumericRow>(windows);
        }
        Tags =
        [
            new("model", model),
            new("version", version.ToString(CultureInfo.InvariantCulture)),
            new("output", Name),
        ];
    }

    public string Model { get; }

    public long Version { get; }

    public string Name { get; }

    public ScoredOutputKind Kind { get; }

    /// <summary>The rolling windows this output is summarized over.</summary>
    public IReadOnlyList<RollingWindow> Windows { get; }

    /// <summary>The class names from the output's label file; null when it has none.</summary>
    public IReadOnlyList<string>? Labels { get; }

    /// <summary>Scored rows of a classification output; null for other kinds.</summary>
    public RollingSummaries<ClassificationSummary, ClassRow>? Scores { get; }

    /// <summary>Scored rows of a numeric output; null for other kinds.</summary>
    public RollingSummaries<NumericSummary, NumericRow>? Errors { get; }

    /// <summary>Predicted classes and confidences of a classification output, scored or not; null for other kinds.</summary>
    public RollingSummaries<PredictionSignalSummary, PredictedRow>? Signals { get; }

    /// <summary>The metric tags naming this output: model, version, output.</summary>
    internal KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>A class's name: its label, or its index as text when it has none.</summary>
    public string ClassName(long index) =>
        Labels is { } labels && index >= 0 && index < labels.Count ? labels[(int)index] : index.ToString(CultureInfo.InvariantCulture);
}
