using InferenceService.Contracts;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Errors;
using InferenceService.Security;

namespace InferenceService.Endpoints;

/// <summary>
/// Triton's model configuration extension: a model version's effective configuration in Triton's JSON form, what
/// tritonclient's <c>get_model_config</c> and perf_analyzer read (max_batch_size, inputs and outputs with
/// TYPE_… data types and dims, the dynamic batcher, the instances).
/// </summary>
internal static class ModelConfigApi
{
    public const string Platform = "onnxruntime_onnx";
    public const string Backend = "onnxruntime";

    public static IEndpointRouteBuilder MapModelConfigApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/v2/models").WithTags("Open Inference Protocol").RequireScope(Scopes.Infer);
        models.MapGet("/{model}/config", ModelConfig)
            .WithName("ModelConfig").WithSummary("The model's effective configuration in Triton's JSON form (its serving version's).")
            .Produces<ModelConfigResponse>().Produces<ErrorResponse>(StatusCodes.Status404NotFound).Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        models.MapGet("/{model}/versions/{version}/config", ModelConfig)
            .WithName("ModelConfigVersion").WithSummary("A model version's effective configuration in Triton's JSON form.")
            .Produces<ModelConfigResponse>().Produces<ErrorResponse>(StatusCodes.Status404NotFound).Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static IResult ModelConfig(string model, string? version, ModelRegistry registry)
    {
        try
        {
            return TypedResults.Ok(Effective(registry.Resolve(model, version)));
        }
        catch (InferenceException e)
        {
            return InferenceErrors.Protocol(e);
        }
    }

    /// <summary>What the version runs with: its config.json where it says, the model file and the defaults elsewhere.</summary>
    internal static ModelConfigResponse Effective(LoadedModel model)
    {
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
            config.Parameters);
    }

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
