using InferenceService.Contracts;
using InferenceService.Engine.Serving;
using InferenceService.Health;
using Microsoft.AspNetCore.Http.HttpResults;

namespace InferenceService.Endpoints;

/// <summary>Kubernetes-style probes: <c>/health/live</c> and <c>/health/ready</c>, with each model's state on readiness.</summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health");
        health.MapGet("/live", () => TypedResults.Ok(new HealthResponse("live", null)))
            .WithName("Live").WithSummary("200 as soon as the process serves requests.");
        health.MapGet("/ready", Ready)
            .WithName("Ready").WithSummary("200 when the models are ready (every one, under strict readiness); 503 before, with each model's state.")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static JsonHttpResult<HealthResponse> Ready(Readiness readiness, ModelRegistry registry)
    {
        var ready = readiness.IsReady;
        // The host's JSON options (source-generated contracts, relaxed escaping), as every other answer is written.
        return TypedResults.Json(
            new HealthResponse(ready ? "ready" : "not ready", RepositoryIndexEntries.From(registry)),
            statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
