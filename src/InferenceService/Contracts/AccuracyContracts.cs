using System.Text.Json;
using System.Text.Json.Serialization;

namespace InferenceService.Contracts;

/// <summary><c>POST /v2/models/{model}[/versions/{version}]/feedback</c>: the ground truth of one prediction.</summary>
public sealed record FeedbackRequest
{
    /// <summary>The prediction id the answer carried (its <c>id</c>, or the <c>X-Prediction-Id</c> header).</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    /// <summary>
    /// The true values by output name, one per row: a class name or class index for a classification output, a number
    /// (or the row's numbers, nested as the output) for a numeric one. E.g. <c>{"label": ["setosa", 2]}</c>.
    /// </summary>
    [JsonPropertyName("targets")]
    public JsonElement Targets { get; init; }
}

/// <summary>What one feedback scored.</summary>
public sealed record FeedbackResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("outputs")] IReadOnlyList<FeedbackOutput> Outputs);

/// <summary>One output of a feedback: rows scored and, for classes, how many were right; for numbers, the errors.</summary>
public sealed record FeedbackOutput(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("scored_rows")] long ScoredRows,
    [property: JsonPropertyName("correct")] long? Correct,
    [property: JsonPropertyName("mae")] double? Mae,
    [property: JsonPropertyName("rmse")] double? Rmse);

/// <summary><c>GET /v2/models/{model}[/versions/{version}]/accuracy</c>: a model version's accuracy per output and window.</summary>
public sealed record ModelAccuracyResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("outputs")] IReadOnlyList<OutputAccuracy> Outputs);

/// <summary>
/// One scorable output: <c>kind</c> is <c>classification</c> or <c>regression</c>; <c>windows</c> score it against
/// ground truth; <c>predictions</c> (classification only) are the label-free signals of every prediction.
/// </summary>
public sealed record OutputAccuracy(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("windows")] IReadOnlyList<ScoredWindow> Windows,
    [property: JsonPropertyName("predictions")] IReadOnlyList<PredictionWindow>? Predictions);

/// <summary>
/// Rows scored in one rolling window (<c>last_1000</c>: the last 1,000 scored rows; <c>last_1h</c>: the last hour).
/// Classification: <c>accuracy</c> and <c>confusion_matrix</c>; regression: <c>scored_values</c>, <c>mae</c>, <c>rmse</c>.
/// Scores are absent while the window is empty.
/// </summary>
public sealed record ScoredWindow(
    [property: JsonPropertyName("window")] string Window,
    [property: JsonPropertyName("scored_rows")] long ScoredRows,
    [property: JsonPropertyName("accuracy")] double? Accuracy,
    [property: JsonPropertyName("confusion_matrix")] ConfusionMatrixCounts? ConfusionMatrix,
    [property: JsonPropertyName("scored_values")] long? ScoredValues,
    [property: JsonPropertyName("mae")] double? Mae,
    [property: JsonPropertyName("rmse")] double? Rmse);

/// <summary><c>counts[i][j]</c>: rows whose true class is <c>labels[i]</c>, predicted as <c>labels[j]</c>.</summary>
public sealed record ConfusionMatrixCounts(
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("counts")] IReadOnlyList<IReadOnlyList<long>> Counts);

/// <summary>Label-free signals of the rows predicted in one window, scored or not.</summary>
public sealed record PredictionWindow(
    [property: JsonPropertyName("window")] string Window,
    [property: JsonPropertyName("rows")] long Rows,
    [property: JsonPropertyName("classes")] IReadOnlyList<PredictedClassCount> Classes,
    [property: JsonPropertyName("confidence")] ConfidenceHistogram? Confidence);

/// <summary>How many rows were predicted as one class.</summary>
public sealed record PredictedClassCount(
    [property: JsonPropertyName("class")] string Class,
    [property: JsonPropertyName("count")] long Count);

/// <summary>
/// Top-1 confidence (the highest probability, or softmax score) of a class-score output: <c>counts[i]</c> rows had a
/// confidence above <c>upper_bounds[i - 1]</c> and at most <c>upper_bounds[i]</c>.
/// </summary>
public sealed record ConfidenceHistogram(
    [property: JsonPropertyName("upper_bounds")] IReadOnlyList<double> UpperBounds,
    [property: JsonPropertyName("counts")] IReadOnlyList<long> Counts,
    [property: JsonPropertyName("mean")] double? Mean);
