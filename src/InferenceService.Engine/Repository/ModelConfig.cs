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

    /// <summary>Present: requests are queued and batched together (Triton's dynamic batcher). Absent: each request runs alone.</summary>
    [JsonPropertyName("dynamic_batching")]
    public DynamicBatchingConfig? DynamicBatching { get; init; }

    /// <summary>ONNX Runtime options as Triton writes parameters: <c>{"intra_op_num_threads": {"string_value": "1"}}</c>.</summary>
    [JsonPropertyName("parameters")]
    public IReadOnlyDictionary<string, ParameterValue>? Parameters { get; init; }

    /// <summary>
    /// Triton's <c>model_warmup</c>: samples run on every instance before the version is marked ready. A sample that
    /// fails fails the load (without any, a warm-up of the server's own making is best effort).
    /// </summary>
    [JsonPropertyName("model_warmup")]
    public IReadOnlyList<ModelWarmupConfig>? ModelWarmup { get; init; }

    /// <summary>Fields this server does not know. Reported as problems, so a misspelt field is not silently ignored.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? UnknownFields { get; set; }
}

/// <summary>One warm-up sample of Triton's <c>model_warmup</c>.</summary>
public sealed record ModelWarmupConfig
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>Rows of the sample (the batch dimension, put before <c>dims</c>, when the model batches); 0 or absent: 1.</summary>
    [JsonPropertyName("batch_size")]
    public int BatchSize { get; init; }

    /// <summary>Each input's data, by input name.</summary>
    [JsonPropertyName("inputs")]
    public IReadOnlyDictionary<string, WarmupInputConfig>? Inputs { get; init; }

    /// <summary>How many times the sample runs; 0 or absent: once (as in Triton).</summary>
    [JsonPropertyName("count")]
    public int Count { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? UnknownFields { get; set; }
}

/// <summary>One input of a warm-up sample: its type, its dimensions and where its data comes from (exactly one of three).</summary>
public sealed record WarmupInputConfig
{
    [JsonPropertyName("data_type")]
    public string? DataType { get; init; }

    /// <summary>The dimensions, without the batch dimension when the model batches. Numbers, or strings of digits as Triton's JSON writes them.</summary>
    [JsonPropertyName("dims")]
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public IReadOnlyList<long>? Dims { get; init; }

    [JsonPropertyName("zero_data")]
    public bool ZeroData { get; init; }

    [JsonPropertyName("random_data")]
    public bool RandomData { get; init; }

    /// <summary>A file of the model's <c>warmup/</c> folder with the raw data, row-major (strings: each a 4-byte little-endian length, then its bytes).</summary>
    [JsonPropertyName("input_data_file")]
    public string? InputDataFile { get; init; }

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

/// <summary>
/// Triton's <c>dynamic_batching</c> block. The 64-bit fields may be written as numbers or, as Triton's own JSON
/// rendering writes them, as strings of digits.
/// </summary>
public sealed record DynamicBatchingConfig
{
    /// <summary>Batch sizes to send as soon as they can be formed, without waiting for more requests.</summary>
    [JsonPropertyName("preferred_batch_size")]
    public IReadOnlyList<int>? PreferredBatchSize { get; init; }

    /// <summary>How long the oldest queued request may wait for others to join its batch.</summary>
    [JsonPropertyName("max_queue_delay_microseconds")]
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long MaxQueueDelayMicroseconds { get; init; }

    /// <summary>Answer requests in the order they arrived, even when instances finish batches out of order.</summary>
    [JsonPropertyName("preserve_ordering")]
    public bool PreserveOrdering { get; init; }

    [JsonPropertyName("default_queue_policy")]
    public QueuePolicyConfig? DefaultQueuePolicy { get; init; }

    /// <summary>Fields of Triton's block this server does not support (priority levels, say): reported as problems.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? UnknownFields { get; set; }
}

/// <summary>Triton's queue policy: how many requests may wait and for how long.</summary>
public sealed record QueuePolicyConfig
{
    /// <summary>0: the server-wide default (Scheduling:DefaultMaxQueueSize).</summary>
    [JsonPropertyName("max_queue_size")]
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long MaxQueueSize { get; init; }

    /// <summary>0: no timeout.</summary>
    [JsonPropertyName("default_timeout_microseconds")]
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long DefaultTimeoutMicroseconds { get; init; }

    /// <summary>REJECT (answer 504) or DELAY (keep waiting, behind requests that have not timed out).</summary>
    [JsonPropertyName("timeout_action")]
    public string? TimeoutAction { get; init; }

    /// <summary>Whether a request may ask for a shorter timeout of its own.</summary>
    [JsonPropertyName("allow_timeout_override")]
    public bool AllowTimeoutOverride { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? UnknownFields { get; set; }
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
