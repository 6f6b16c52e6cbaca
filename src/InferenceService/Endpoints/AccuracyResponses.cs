using System.Globalization;
using InferenceService.Contracts;
using InferenceService.Engine.Accuracy;

namespace InferenceService.Endpoints;

/// <summary>The engine's accuracy report as its wire contract.</summary>
internal static class AccuracyResponses
{
    public static ModelAccuracyResponse From(ModelAccuracyReport report) => new(
        report.Model,
        report.Version.ToString(CultureInfo.InvariantCulture),
        report.Outputs.Select(Output).ToArray());

    private static OutputAccuracy Output(OutputAccuracyReport output) => new(
        output.Output,
        output.Kind.IsClassification() ? "classification" : "regression",
        output.Windows.Select(w => new ScoredWindow(
            w.Window.Name,
            w.Rows,
            w.Accuracy,
            w.Confusion is { } matrix ? new ConfusionMatrixCounts(matrix.Labels, matrix.Counts) : null,
            w.Values,
            w.MeanAbsoluteError,
            w.RootMeanSquaredError)).ToArray(),
        output.Predictions?.Select(p => new PredictionWindow(
            p.Window.Name,
            p.Rows,
            p.Classes.Select(c => new PredictedClassCount(c.Class, c.Count)).ToArray(),
            p.ConfidenceCounts is { } counts ? new ConfidenceHistogram(ConfidenceBuckets.UpperBounds, counts, p.MeanConfidence) : null)).ToArray());
}
