using InferenceService.Engine.Serving;
using InferenceService.Grpc.Protocol;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelConfigMessage = InferenceService.Grpc.Protocol.ModelConfig;

namespace InferenceService.Grpc;

/// <summary>
/// A loaded model version's effective configuration in Triton's ModelConfig message: what its config.json says, with
/// the gaps filled from the model file (inputs, outputs and their types and dimensions) and the server (instances).
/// </summary>
internal static class GrpcModelConfig
{
    public const string Platform = "onnxruntime_onnx";
    public const string Backend = "onnxruntime";

    public static ModelConfigMessage Of(LoadedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config;
        var batched = config.MaxBatchSize > 0;
        var message = new ModelConfigMessage
        {
            Name = model.Name,
            Platform = Platform,
            Backend = Backend,
            MaxBatchSize = config.MaxBatchSize,
            DefaultModelFilename = "model.onnx",
        };
        foreach (var input in model.Inputs)
        {
            message.Input.Add(new ModelInput { Name = input.Name, DataType = DataTypeOf(input.ElementType), Dims = { Dims(input.Shape, batched) } });
        }
        foreach (var output in model.Outputs)
        {
            var declared = config.Output?.FirstOrDefault(o => string.Equals(o.Name, output.Name, StringComparison.Ordinal));
            message.Output.Add(new ModelOutput
            {
                Name = output.Name,
                DataType = DataTypeOf(output.ElementType),
                Dims = { Dims(output.Shape, batched) },
                LabelFilename = declared?.LabelFilename ?? "",
            });
        }
        if (config.VersionPolicy is { } policy)
        {
            message.VersionPolicy = policy switch
            {
                { Specific: { } specific } => new ModelVersionPolicy { Specific = new ModelVersionPolicy.Types.Specific { Versions = { specific.Versions ?? [] } } },
                { All: not null } => new ModelVersionPolicy { All = new ModelVersionPolicy.Types.All() },
                { Latest: { } latest } => new ModelVersionPolicy { Latest = new ModelVersionPolicy.Types.Latest { NumVersions = (uint)Math.Max(0, latest.NumVersions) } },
                _ => null,
            };
        }
        if (config.DynamicBatching is { } batching)
        {
            var dynamic = new ModelDynamicBatching
            {
                MaxQueueDelayMicroseconds = (ulong)Math.Max(0, batching.MaxQueueDelayMicroseconds),
                PreserveOrdering = batching.PreserveOrdering,
                PreferredBatchSize = { batching.PreferredBatchSize ?? [] },
            };
            if (batching.DefaultQueuePolicy is { } queue)
            {
                dynamic.DefaultQueuePolicy = new ModelQueuePolicy
                {
                    MaxQueueSize = (uint)Math.Clamp(queue.MaxQueueSize, 0, uint.MaxValue),
                    DefaultTimeoutMicroseconds = (ulong)Math.Max(0, queue.DefaultTimeoutMicroseconds),
                    AllowTimeoutOverride = queue.AllowTimeoutOverride,
                    TimeoutAction = string.Equals(queue.TimeoutAction, "DELAY", StringComparison.OrdinalIgnoreCase)
                        ? ModelQueuePolicy.Types.TimeoutAction.Delay
                        : ModelQueuePolicy.Types.TimeoutAction.Reject,
                };
            }
            message.DynamicBatching = dynamic;
        }
        if (config.InstanceGroup is { Count: > 0 } groups)
        {
            foreach (var group in groups)
            {
                message.InstanceGroup.Add(new ModelInstanceGroup { Count = group.Count, Kind = KindOf(group.Kind), Gpus = { group.Gpus ?? [] } });
            }
        }
        else
        {
            var onGpu = model.ExecutionProviders.Any(p => !string.Equals(p, "cpu", StringComparison.OrdinalIgnoreCase));
            message.InstanceGroup.Add(new ModelInstanceGroup
            {
                Count = model.Sessions.Sessions.Count,
                Kind = onGpu ? ModelInstanceGroup.Types.Kind.Gpu : ModelInstanceGroup.Types.Kind.Cpu,
            });
        }
        if (config.Parameters is { } parameters)
        {
            foreach (var (name, value) in parameters)
            {
                message.Parameters[name] = new ModelParameter { StringValue = value.StringValue ?? "" };
            }
        }
        return message;
    }

    private static IEnumerable<long> Dims(IReadOnlyList<long> shape, bool batched) => batched && shape.Count > 0 ? shape.Skip(1) : shape;

    private static ModelInstanceGroup.Types.Kind KindOf(string? kind) => kind switch
    {
        "KIND_GPU" => ModelInstanceGroup.Types.Kind.Gpu,
        "KIND_CPU" => ModelInstanceGroup.Types.Kind.Cpu,
        "KIND_MODEL" => ModelInstanceGroup.Types.Kind.Model,
        _ => ModelInstanceGroup.Types.Kind.Auto,
    };

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
