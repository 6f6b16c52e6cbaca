using InferenceService.Security;

namespace InferenceService.Telemetry;

/// <summary><c>GET /metrics</c>: every metric the service collects, for Prometheus to scrape, served by OpenTelemetry's Prometheus exporter.</summary>
internal static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        // The exporter maps every method; a scrape is a GET, and anything else answers 405 like the other routes.
        app.MapPrometheusScrapingEndpoint(Path).WithMetadata(new HttpMethodMetadata([HttpMethods.Get])).RequireScope(Scopes.Metrics);
        return app;
    }
}
