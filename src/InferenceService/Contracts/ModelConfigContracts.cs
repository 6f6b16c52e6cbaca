using System.Text.Json.Serialization;
using InferenceService.Engine.Repository;

namespace InferenceService.Contracts;

/// <summary>
/// The model configuration extension: <c>GET /v2/models/{model}[/versions/{version}]/config</c>, a model version's
/// effective configuration in Triton's JSON form (config.pbtxt's fields), as tritonclient's <c>get_model_config</c>
/// and perf_analyzer read it: what config.json says, with the gaps filled from the model file and the server's
/// defaults. Dims leave out the batch dimension when <c>max_batch_size</c> is above 0, as Triton's do.
/// </summary>
public sealed record ModelConfigResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("backend")] string Backend,
    [property: JsonPropertyName("version_policy")] VersionPolicyConfig VersionPolicy,
    [property: JsonPropertyName("max_batch_size")] int MaxBatchSize,
    [property: JsonPropertyName("input")] IReadOnlyList<ModelConfigTensor> Input,
    [property: JsonPropertyName("output")] IReadOnlyList<ModelConfigTensor> Output,
    [property: JsonPropertyName("instance_group")] IReadOnlyList<ModelConfigInstanceGroup> InstanceGroup,
    [property: JsonPropertyName("dynamic_batching")] ModelConfigDynamicBatching? DynamicBatching,
    [property: JsonPropertyName("parameters")] IReadOnlyDictionary<string, ParameterValue>? Parameters,
    [property: JsonPropertyName("default_model_filename")] string DefaultModelFilename);

/// <summary>An input or output of the configuration.</summary>
public sealed record ModelConfigTensor(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("data_type")] string DataType,
    [property: JsonPropertyName("dims")] IReadOnlyList<long> Dims,
    [property: JsonPropertyName("label_filename")] string? LabelFilename);

/// <summary>How many session instances run the version, and where.</summary>
public sealed record ModelConfigInstanceGroup(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("gpus")] IReadOnlyList<int>? Gpus);

/// <summary>The dynamic batcher's settings, as in force.</summary>
public sealed record ModelConfigDynamicBatching(
    [property: JsonPropertyName("preferred_batch_size")] IReadOnlyList<int> PreferredBatchSize,
    [property: JsonPropertyName("max_queue_delay_microseconds")] long MaxQueueDelayMicroseconds,
    [property: JsonPropertyName("preserve_ordering")] bool PreserveOrdering,
    [property: JsonPropertyName("default_queue_policy")] QueuePolicyConfig? DefaultQueuePolicy);
