using InferenceService.Contracts;
using InferenceService.Engine.Serving;
using InferenceService.Errors;
using InferenceService.Security;

using InferenceService.Engine;

namespace InferenceService.Endpoints;

/// <summary>
/// Triton's model configuration extension: a model version's effective configuration in Triton's JSON form, what
/// tritonclient's <c>get_model_config</c> and perf_analyzer read (max_batch_size, inputs and outputs with
/// TYPE_… data types and dims, the dynamic batcher, the instances), from <see cref="EffectiveModelConfig"/>, the
/// source gRPC's ModelConfig maps too.
/// </summary>
internal static class ModelConfigApi
{
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
            return TypedResults.Ok(EffectiveModelConfig.Of(registry.Resolve(model, version)));
        }
        catch (InferenceException e)
        {
            return InferenceErrors.Protocol(e);
        }
    }
}
