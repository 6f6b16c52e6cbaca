using InferenceService.Contracts;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Grpc.Protocol;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelConfigMessage = InferenceService.Grpc.Protocol.ModelConfig;

namespace InferenceService.Grpc;

/// <summary>
/// A loaded model version's effective configuration as Triton's ModelConfig message: <see cref="EffectiveModelConfig"/>
/// (what the REST route answers) mapped field by field, with nothing of its own to decide. The JSON's fields that
/// Triton's message has no place for (an input's label file) are left out.
/// </summary>
internal static class GrpcModelConfig
{
    public static ModelConfigMessage Of(LoadedModel model) => From(EffectiveModelConfig.Of(model));

    public static ModelConfigMessage From(Contracts.ModelConfigResponse config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var message = new ModelConfigMessage
        {
            Name = config.Name,
            Platform = config.Platform,
            Backend = config.Backend,
            MaxBatchSize = config.MaxBatchSize,
            DefaultModelFilename = config.DefaultModelFilename,
            VersionPolicy = VersionPolicyOf(config.VersionPolicy),
        };
        foreach (var input in config.Input)
        {
            message.Input.Add(new ModelInput { Name = input.Name, DataType = DataTypeOf(input.DataType), Dims = { input.Dims } });
        }
        foreach (var output in config.Output)
        {
            message.Output.Add(new ModelOutput { Name = output.Name, DataType = DataTypeOf(output.DataType), Dims = { output.Dims }, LabelFilename = output.LabelFilename ?? "" });
        }
        foreach (var group in config.InstanceGroup)
        {
            message.InstanceGroup.Add(new ModelInstanceGroup { Name = group.Name, Count = group.Count, Kind = KindOf(group.Kind), Gpus = { group.Gpus ?? [] } });
        }
        if (config.DynamicBatching is { } batching)
        {
            message.DynamicBatching = new ModelDynamicBatching
            {
                MaxQueueDelayMicroseconds = (ulong)Math.Max(0, batching.MaxQueueDelayMicroseconds),
                PreserveOrdering = batching.PreserveOrdering,
                PreferredBatchSize = { batching.PreferredBatchSize },
                DefaultQueuePolicy = QueuePolicyOf(batching.DefaultQueuePolicy),
            };
        }
        foreach (var (name, value) in config.Parameters ?? new Dictionary<string, ParameterValue>())
        {
            message.Parameters[name] = new ModelParameter { StringValue = value.StringValue ?? "" };
        }
        return message;
    }

    private static ModelVersionPolicy? VersionPolicyOf(VersionPolicyConfig policy) => policy switch
    {
        { Specific: { } specific } => new ModelVersionPolicy { Specific = new ModelVersionPolicy.Types.Specific { Versions = { specific.Versions ?? [] } } },
        { All: not null } => new ModelVersionPolicy { All = new ModelVersionPolicy.Types.All() },
        { Latest: { } latest } => new ModelVersionPolicy { Latest = new ModelVersionPolicy.Types.Latest { NumVersions = (uint)Math.Max(0, latest.NumVersions) } },
        _ => null,
    };

    private static ModelQueuePolicy? QueuePolicyOf(QueuePolicyConfig? queue) => queue is null ? null : new ModelQueuePolicy
    {
        MaxQueueSize = (uint)Math.Clamp(queue.MaxQueueSize, 0, uint.MaxValue),
        DefaultTimeoutMicroseconds = (ulong)Math.Max(0, queue.DefaultTimeoutMicroseconds),
        AllowTimeoutOverride = queue.AllowTimeoutOverride,
        TimeoutAction = string.Equals(queue.TimeoutAction, "DELAY", StringComparison.OrdinalIgnoreCase)
            ? ModelQueuePolicy.Types.TimeoutAction.Delay
            : ModelQueuePolicy.Types.TimeoutAction.Reject,
    };

    private static ModelInstanceGroup.Types.Kind KindOf(string kind) => kind switch
    {
        "KIND_GPU" => ModelInstanceGroup.Types.Kind.Gpu,
        "KIND_CPU" => ModelInstanceGroup.Types.Kind.Cpu,
        "KIND_MODEL" => ModelInstanceGroup.Types.Kind.Model,
        _ => ModelInstanceGroup.Types.Kind.Auto,
    };

    /// <summary>The message's data type of a JSON "TYPE_…" name (the names the effective config writes).</summary>
    private static DataType DataTypeOf(string name) =>
        TritonDataType.TryParse(name, out var type) ? DataTypeOf(type) : DataType.TypeInvalid;

    public static DataType DataTypeOf(TensorElementType type) => type switch
    {
        TensorElementType.Bool => DataType.TypeBool,
        TensorElementType.UInt8 => DataType.TypeUint8,
        TensorElementType.UInt16 => DataType.TypeUint16,
        TensorElementType.UInt32 => DataType.TypeUint32,
        TensorElementType.UInt64 => DataType.TypeUint64,
        TensorElementType.Int8 => DataType.TypeInt8,
        TensorElementType.Int16 => DataType.TypeInt16,
        TensorElementType.Int32 => DataType.TypeInt32,
        TensorElementType.Int64 => DataType.TypeInt64,
        TensorElementType.Float16 => DataType.TypeFp16,
        TensorElementType.Float => DataType.TypeFp32,
        TensorElementType.Double => DataType.TypeFp64,
        TensorElementType.String => DataType.TypeString,
        TensorElementType.BFloat16 => DataType.TypeBf16,
        _ => DataType.TypeInvalid,
    };
}
