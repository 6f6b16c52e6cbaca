using System.Diagnostics.Metrics;
using InferenceService.Engine.Telemetry;
using InferenceService.Health;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace InferenceService.Telemetry;

/// <summary>
/// The host's OpenTelemetry SDK (OpenTelemetry.Extensions.Hosting, started and flushed with the host): metrics for
/// <c>GET /metrics</c> through the Prometheus exporter, plus OTLP export of metrics and traces when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads the other <c>OTEL_EXPORTER_OTLP_*</c> settings itself).
/// Without OTLP no tracer provider is built, so no span is recorded for nothing to read.
/// </summary>
internal static class OpenTelemetrySetup
{
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceNameKey = "OTEL_SERVICE_NAME";
    public const string DefaultServiceName = "inference-service";

    /// <summary>
    /// The meters subscribed by name, besides those the instrumentation packages add: the service's, and every one of
    /// ASP.NET Core's, since the ASP.NET Core instrumentation names a fixed list (hosting, Kestrel, routing, ...) that
    /// misses newer meters such as .NET 10's Microsoft.AspNetCore.MemoryPool.
    /// </summary>
    public static IReadOnlyList<string> MeterNames { get; } = [TelemetryNames.Meter, "Microsoft.AspNetCore.*"];

    public static IServiceCollection AddInferenceOpenTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);
        // The SDK would read OTEL_SERVICE_NAME itself, but a service name given here replaces it: give ours only as the default.
        var serviceName = configuration[ServiceNameKey] is { Length: > 0 } name ? name : DefaultServiceName;

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: ServerInfo.Version))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. MeterNames])
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddProcessInstrumentation()
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        // The views need the host's own IMeterFactory, which only the built container has.
        services.ConfigureOpenTelemetryMeterProvider((provider, metrics) =>
        {
            var ownFactory = provider.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument => MetricViews.Select(instrument, ownFactory));
        });
        if (otlp)
        {
            // Logs stay on Serilog's console; only metrics and traces go over OTLP.
            telemetry.WithTracing(tracing => tracing
                .AddSource(TelemetryNames.ActivitySource)
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !RequestLogging.IsProbeOrScrape(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        }
        return services;
    }
}
