using System.Text.Json;
using System.Text.Json.Serialization;

namespace InferenceService.Contracts;

/// <summary>Triton's repository extension: <c>POST /v2/repository/index</c>, optionally <c>{"ready": true}</c> for the ready versions only.</summary>
public sealed record RepositoryIndexRequest(
    [property: JsonPropertyName("ready")] bool? Ready);

/// <summary>
/// Triton's repository extension: <c>POST /v2/repository/models/{m}/load</c> (and <c>/unload</c>). A load's
/// parameters may hold <c>"config"</c> (the text of a config.json) and <c>"file:&lt;version&gt;/model.onnx"</c> (a file's
/// content, base64); an unload's are accepted and ignored (this server has no model dependents).
/// </summary>
public sealed record RepositoryModelRequest(
    [property: JsonPropertyName("parameters")] IReadOnlyDictionary<string, JsonElement>? Parameters);
