namespace InferenceService.Telemetry.Prometheus;

/// <summary><c>GET /metrics</c>: every metric the service collects, in the Prometheus text format, for Prometheus to scrape.</summary>
internal static class MetricsApi
{
    public const string Path = "/metrics";

    /// <summary>The Prometheus text exposition format, version 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, Scrape)
            .WithName("Metrics")
            .WithTags("Telemetry")
            .WithSummary("Every metric, in the Prometheus text format (0.0.4).")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Produces(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static IResult Scrape(TelemetryProviders telemetry) =>
        telemetry.Prometheus.Scrape() is { } text
            ? Results.Text(text, ContentType)
            : Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
}
