using System.Text.Json;
using System.Text.Json.Serialization;

namespace InferenceService.Engine.Repository;

/// <summary>
/// A model's optional <c>config.json</c>: the JSON form of Triton's model configuration (config.pbtxt), for the
/// fields the two share, plus <c>parameters</c> for ONNX Runtime's options. Every field is optional; what the model
/// file itself declares fills the gaps.
/// </summary>
public sealed record ModelConfig
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("platform")]
    public string? Platform { get; init; }

    [JsonPropertyName("backend")]
    public string? Backend { get; init; }

    /// <summary>As in Triton: 0 means the model is not batched and <c>dims</c> are the full shape; above 0, <c>dims</c> leave out the batch dimension.</summary>
    [JsonPropertyName("max_batch_size")]
    public int MaxBatchSize { get; init; }

    [JsonPropertyName("version_policy")]
    public VersionPolicyConfig? VersionPolicy { get; init; }

    [JsonPropertyName("input")]
    public IReadOnlyList<TensorConfig>? Input { get; init; }

    [JsonPropertyName("output")]
    public IReadOnlyList<TensorConfig>? Output { get; init; }

    [JsonPropertyName("instance_group")]
    public IReadOnlyList<InstanceGroupConfig>? InstanceGroup { get; init; }

    /// <summary>ONNX Runtime options as Triton writes parameters: <c>{"intra_op_num_threads": {"string_value": "1"}}</c>.</summary>
    [JsonPropertyName("parameters")]
    public IReadOnlyDictionary<string, ParameterValue>? Parameters { get; init; }

    /// <summary>Fields this server does not know. Reported as problems, so a misspelt field is not silently ignored.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? UnknownFields { get; set; }
}

/// <summary>Which versions of a model to serve. Exactly one of the three may be set; none means latest 1.</summary>
public sealed record VersionPolicyConfig
{
    [JsonPropertyName("latest")]
    public LatestVersionPolicy? Latest { get; init; }

    [JsonPropertyName("all")]
    public JsonElement? All { get; init; }

    [JsonPropertyName("specific")]
    public SpecificVersionPolicy? Specific { get; init; }
}

public sealed record LatestVersionPolicy
{
    // A setter, not init: the source-generated reader sets every init-only property, so an absent field became 0.
    [JsonPropertyName("num_versions")]
    public int NumVersions { get; set; } = 1;
}

public sealed record SpecificVersionPolicy
{
    [JsonPropertyName("versions")]
    public IReadOnlyList<long>? Versions { get; init; }
}

/// <summary>An input or output as the configuration declares it.</summary>
public sealed record TensorConfig
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>Triton's data type names: TYPE_FP32, TYPE_INT64, TYPE_STRING, …</summary>
    [JsonPropertyName("data_type")]
    public string? DataType { get; init; }

    [JsonPropertyName("dims")]
    public IReadOnlyList<long>? Dims { get; init; }

    /// <summary>A file beside config.json with one class name per line, in class-index order.</summary>
    [JsonPropertyName("label_filename")]
    public string? LabelFilename { get; init; }
}

public sealed record InstanceGroupConfig
{
    // A setter, not init: the source-generated reader sets every init-only property, so an absent count became 0.
    [JsonPropertyName("count")]
    public int Count { get; set; } = 1;

    /// <summary>KIND_AUTO, KIND_CPU or KIND_GPU.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; init; }

    [JsonPropertyName("gpus")]
    public IReadOnlyList<int>? Gpus { get; init; }
}

public sealed record ParameterValue
{
    [JsonPropertyName("string_value")]
    public string? StringValue { get; init; }
}

[JsonSourceGenerationOptions(
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    AllowDuplicateProperties = false,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ModelConfig))]
internal sealed partial class ModelConfigJsonContext : JsonSerializerContext;
