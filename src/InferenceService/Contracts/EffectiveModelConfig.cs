using InferenceService.Engine.Onnx;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;

namespace InferenceService.Contracts;

/// <summary>
/// The one source of a loaded model version's effective configuration (the model configuration extension): what its
/// config.json says, with the gaps filled from the model file (inputs, outputs, their types and dims) and the server
/// (the instances that run, where they run, the default version policy). The REST route writes it as Triton's JSON
/// as it is; gRPC's ModelConfig maps it field by field onto Triton's message, so the two cannot disagree.
/// </summary>
internal static class EffectiveModelConfig
{
    public const string Platform = "onnxruntime_onnx";
    public const string Backend = "onnxruntime";
    public const string DefaultModelFilename = "model.onnx";

    public static ModelConfigResponse Of(LoadedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config;
        var batched = config.MaxBatchSize > 0;
        var onGpu = model.ExecutionProviders.Any(p => !p.StartsWith("CPU", StringComparison.OrdinalIgnoreCase));
        var groups = config.InstanceGroup is { Count: > 0 } declared
            ? declared.Select((g, i) => new ModelConfigInstanceGroup($"{model.Name}_{i}", Kind(g.Kind, onGpu), g.Count, g.Gpus)).ToArray()
            : [new ModelConfigInstanceGroup($"{model.Name}_0", onGpu ? "KIND_GPU" : "KIND_CPU", model.Sessions.Count, null)];
        var batching = config.DynamicBatching is { } dynamic
            ? new ModelConfigDynamicBatching(dynamic.PreferredBatchSize ?? [], dynamic.MaxQueueDelayMicroseconds, dynamic.PreserveOrdering, dynamic.DefaultQueuePolicy)
            : null;
        return new ModelConfigResponse(
            model.Name,
            Platform,
            Backend,
            config.VersionPolicy ?? new VersionPolicyConfig { Latest = new LatestVersionPolicy() },
            config.MaxBatchSize,
            model.Inputs.Select(t => Tensor(t, batched, LabelFile(config.Input, t.Name))).ToArray(),
            model.Outputs.Select(t => Tensor(t, batched, LabelFile(config.Output, t.Name))).ToArray(),
            groups,
            batching,
            config.Parameters,
            DefaultModelFilename);
    }

    /// <summary>The kind the instances run as: the declared CPU or GPU, else (KIND_AUTO, KIND_MODEL, none) where the sessions run.</summary>
    private static string Kind(string? declared, bool onGpu) => declared switch
    {
        "KIND_CPU" or "KIND_GPU" => declared,
        _ => onGpu ? "KIND_GPU" : "KIND_CPU",
    };

    private static ModelConfigTensor Tensor(TensorInfo tensor, bool batched, string? labels)
    {
        var dims = tensor.Shape;
        return new ModelConfigTensor(
            tensor.Name,
            TritonDataType.ToName(tensor.ElementType),
            batched && dims.Count > 0 ? dims.Skip(1).ToArray() : dims.ToArray(),
            labels);
    }

    private static string? LabelFile(IReadOnlyList<TensorConfig>? declared, string name) =>
        declared?.FirstOrDefault(t => t.Name == name)?.LabelFilename;
}
