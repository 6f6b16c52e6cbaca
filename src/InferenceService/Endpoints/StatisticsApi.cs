using InferenceService.Engine;
using System.Globalization;
using InferenceService.Contracts;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Errors;
using InferenceService.Security;

namespace InferenceService.Endpoints;

/// <summary>
/// Triton's statistics extension: cumulative per-version counters of requests, queue and compute time, and Runs by
/// batch size, so a load tool can split latency into queue and compute from the server's side.
/// </summary>
internal static class StatisticsApi
{
    public static IEndpointRouteBuilder MapStatisticsApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/v2/models").WithTags("Open Inference Protocol").RequireScope(Scopes.Metrics);
        models.MapGet("/stats", (ModelRegistry registry) => TypedResults.Ok(new ModelStatisticsResponse(
                registry.Models.SelectMany(m => m.Versions).Where(v => v.Model is not null).Select(v => ToEntry(v.Model!)).ToArray())))
            .WithName("ModelStatisticsAll").WithSummary("Statistics of every ready model version.");
        models.MapGet("/{model}/stats", ModelStatistics)
            .WithName("ModelStatistics").WithSummary("Statistics of every ready version of a model.")
            .Produces<ModelStatisticsResponse>().Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        models.MapGet("/{model}/versions/{version}/stats", ModelStatistics)
            .WithName("ModelStatisticsVersion").WithSummary("Statistics of one model version.")
            .Produces<ModelStatisticsResponse>().Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static IResult ModelStatistics(HttpContext context, string model, string? version, ModelRegistry registry)
    {
        try
        {
            if (version is not null)
            {
                return TypedResults.Ok(new ModelStatisticsResponse([ToEntry(registry.Resolve(model, version))]));
            }
            var status = registry.Find(model)
                ?? throw new InferenceException(InferenceErrorKind.ModelNotFound, $"Model '{model}' is not in the repository.");
            return TypedResults.Ok(new ModelStatisticsResponse(status.Versions.Where(v => v.Model is not null).Select(v => ToEntry(v.Model!)).ToArray()));
        }
        catch (InferenceException e)
        {
            return InferenceErrors.Protocol(e);
        }
    }

    internal static ModelStatisticsEntry ToEntry(LoadedModel model)
    {
        var stats = model.Scheduler.Statistics;
        return new ModelStatisticsEntry(
            model.Name,
            model.Version.ToString(CultureInfo.InvariantCulture),
            stats.LastInferenceMs,
            stats.InferenceCount,
            stats.ExecutionCount,
            new InferenceStatistics(
                ToDuration(stats.Success), ToDuration(stats.Failure), ToDuration(stats.Queue),
                ToDuration(stats.ComputeInput), ToDuration(stats.ComputeInfer), ToDuration(stats.ComputeOutput)),
            stats.Batches.Select(b => new BatchStatistics(b.BatchSize, ToDuration(b.ComputeInput), ToDuration(b.ComputeInfer), ToDuration(b.ComputeOutput))).ToArray());
    }

    private static StatisticDuration ToDuration(ModelStatistics.Duration duration) => new(duration.Count, duration.Nanoseconds);
}
