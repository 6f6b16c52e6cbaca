using System.Text.Json.Serialization;

namespace InferenceService.Engine.Jobs;

/// <summary>The job spec as the store keeps it (one JSON column), serialized without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(JobSpec))]
internal sealed partial class JobsJsonContext : JsonSerializerContext;
