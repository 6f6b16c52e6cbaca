using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace InferenceService.Contracts;

/// <summary>Source-generated serialization for every wire type: no reflection on the request path.</summary>
[JsonSourceGenerationOptions(
    AllowDuplicateProperties = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PredictRequest))]
[JsonSerializable(typeof(PredictResponse))]
[JsonSerializable(typeof(InferenceRequest))]
[JsonSerializable(typeof(InferenceResponse))]
[JsonSerializable(typeof(ServerMetadataResponse))]
[JsonSerializable(typeof(ModelMetadataResponse))]
[JsonSerializable(typeof(ModelReadyResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(RepositoryIndexEntry[]))]
[JsonSerializable(typeof(ModelStatisticsResponse))]
[JsonSerializable(typeof(FeedbackRequest))]
[JsonSerializable(typeof(FeedbackResponse))]
[JsonSerializable(typeof(ModelAccuracyResponse))]
[JsonSerializable(typeof(ModelConfigResponse))]
internal sealed partial class ContractsJsonContext : JsonSerializerContext;
