using System.Text.Json.Serialization;

namespace InferenceService.Contracts;

/// <summary><c>GET /health/ready</c> and <c>/health/live</c>: the status, and on readiness each model's state.</summary>
public sealed record HealthResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("models")] IReadOnlyList<RepositoryIndexEntry>? Models);

/// <summary>
/// One model version and its state, as the repository index lists it (Triton's states: READY, LOADING, UNLOADING,
/// UNAVAILABLE for a model of the repository that is not loaded, and FAILED), with when it was loaded, how long that
/// took and the memory it took, as measured at its load.
/// </summary>
public sealed record RepositoryIndexEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("execution_providers")] IReadOnlyList<string>? ExecutionProviders = null,
    [property: JsonPropertyName("fallback_reasons")] IReadOnlyList<string>? FallbackReasons = null,
    [property: JsonPropertyName("loaded_at")] DateTimeOffset? LoadedAt = null,
    [property: JsonPropertyName("load_duration_ms")] double? LoadDurationMs = null,
    [property: JsonPropertyName("memory_bytes")] long? MemoryBytes = null);
