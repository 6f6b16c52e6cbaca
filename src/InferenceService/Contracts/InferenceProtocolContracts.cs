using System.Text.Json;
using System.Text.Json.Serialization;

namespace InferenceService.Contracts;

/// <summary>Open Inference Protocol: <c>GET /v2</c>.</summary>
public sealed record ServerMetadataResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("extensions")] IReadOnlyList<string> Extensions);

/// <summary>Open Inference Protocol: an input or output in model metadata. Dynamic dimensions are -1.</summary>
public sealed record MetadataTensor(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape);

/// <summary>
/// Open Inference Protocol: <c>GET /v2/models/{model}[/versions/{version}]</c>, plus where the version runs: the
/// ONNX Runtime execution providers in use (the CPU last) and, when a GPU provider asked for fell back to the CPU,
/// why (null otherwise). Clients of the protocol ignore fields they do not know.
/// </summary>
public sealed record ModelMetadataResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("versions")] IReadOnlyList<string> Versions,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("inputs")] IReadOnlyList<MetadataTensor> Inputs,
    [property: JsonPropertyName("outputs")] IReadOnlyList<MetadataTensor> Outputs,
    [property: JsonPropertyName("execution_providers")] IReadOnlyList<string> ExecutionProviders,
    [property: JsonPropertyName("fallback_reasons")] IReadOnlyList<string>? FallbackReasons);

/// <summary>Open Inference Protocol: <c>GET /v2/models/{model}[/versions/{version}]/ready</c>.</summary>
public sealed record ModelReadyResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("ready")] bool Ready);

/// <summary>Open Inference Protocol: an error.</summary>
public sealed record ErrorResponse([property: JsonPropertyName("error")] string Error);

/// <summary>Open Inference Protocol: <c>POST /v2/models/{model}[/versions/{version}]/infer</c>.</summary>
public sealed record InferenceRequest
{
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    [JsonPropertyName("parameters")]
    public Dictionary<string, JsonElement>? Parameters { get; init; }

    [JsonPropertyName("inputs")]
    public IReadOnlyList<RequestInput>? Inputs { get; init; }

    [JsonPropertyName("outputs")]
    public IReadOnlyList<RequestOutput>? Outputs { get; init; }
}

/// <summary>One input tensor: <c>data</c> flat or nested, row-major, as many elements as <c>shape</c> holds.</summary>
public sealed record RequestInput
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("shape")]
    public IReadOnlyList<long>? Shape { get; init; }

    [JsonPropertyName("datatype")]
    public string? Datatype { get; init; }

    [JsonPropertyName("parameters")]
    public Dictionary<string, JsonElement>? Parameters { get; init; }

    [JsonPropertyName("data")]
    public JsonElement Data { get; init; }
}

/// <summary>One requested output.</summary>
public sealed record RequestOutput
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("parameters")]
    public Dictionary<string, JsonElement>? Parameters { get; init; }
}

/// <summary>The infer response's shape (written by hand with Utf8JsonWriter; this type documents it).</summary>
public sealed record InferenceResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("outputs")] IReadOnlyList<ResponseOutput> Outputs);

/// <summary>One output tensor of an infer response; <c>data</c> is flat, row-major.</summary>
public sealed record ResponseOutput(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("data")] JsonElement Data);
