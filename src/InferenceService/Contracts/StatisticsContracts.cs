using System.Text.Json.Serialization;

namespace InferenceService.Contracts;

/// <summary>Triton's statistics extension: <c>GET /v2/models[/{model}[/versions/{version}]]/stats</c>.</summary>
public sealed record ModelStatisticsResponse(
    [property: JsonPropertyName("model_stats")] IReadOnlyList<ModelStatisticsEntry> ModelStats);

/// <summary>The cumulative counters of one model version since it was loaded.</summary>
public sealed record ModelStatisticsEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("last_inference")] long LastInference,
    [property: JsonPropertyName("inference_count")] long InferenceCount,
    [property: JsonPropertyName("execution_count")] long ExecutionCount,
    [property: JsonPropertyName("inference_stats")] InferenceStatistics InferenceStats,
    [property: JsonPropertyName("batch_stats")] IReadOnlyList<BatchStatistics> BatchStats);

/// <summary>Per request: how many succeeded or failed, and where the successful ones spent their time.</summary>
public sealed record InferenceStatistics(
    [property: JsonPropertyName("success")] StatisticDuration Success,
    [property: JsonPropertyName("fail")] StatisticDuration Fail,
    [property: JsonPropertyName("queue")] StatisticDuration Queue,
    [property: JsonPropertyName("compute_input")] StatisticDuration ComputeInput,
    [property: JsonPropertyName("compute_infer")] StatisticDuration ComputeInfer,
    [property: JsonPropertyName("compute_output")] StatisticDuration ComputeOutput);

/// <summary>The Runs of one batch size.</summary>
public sealed record BatchStatistics(
    [property: JsonPropertyName("batch_size")] int BatchSize,
    [property: JsonPropertyName("compute_input")] StatisticDuration ComputeInput,
    [property: JsonPropertyName("compute_infer")] StatisticDuration ComputeInfer,
    [property: JsonPropertyName("compute_output")] StatisticDuration ComputeOutput);

/// <summary>A count and the total nanoseconds of what it counts.</summary>
public sealed record StatisticDuration(
    [property: JsonPropertyName("count")] long Count,
    [property: JsonPropertyName("ns")] long Ns);
