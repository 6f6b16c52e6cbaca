using System.Text.Json.Serialization;

namespace InferenceService.Contracts;

/// <summary><c>GET /health/ready</c> and <c>/health/live</c>: the status, and on readiness each model's state.</summary>
public sealed record HealthResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("models")] IReadOnlyList<RepositoryIndexEntry>? Models);

/// <summary>One model version and its state, as the repository index lists it.</summary>
public sealed record RepositoryIndexEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("execution_providers")] IReadOnlyList<string>? ExecutionProviders = null,
    [property: JsonPropertyName("fallback_reasons")] IReadOnlyList<string>? FallbackReasons = null);
