using System.Diagnostics.Metrics;
using InferenceService.Engine.Telemetry;
using InferenceService.Health;
using InferenceService.Telemetry.Prometheus;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace InferenceService.Telemetry;

/// <summary>
/// The host's OpenTelemetry SDK, built by hand (no hosting package) and owned here: a meter provider with the
/// Prometheus exporter behind <c>GET /metrics</c>, plus OTLP export of metrics and traces when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads the other <c>OTEL_EXPORTER_OTLP_*</c> variables itself).
/// Disposed with the host, which flushes what OTLP has not sent yet.
/// </summary>
internal sealed class TelemetryProviders : IDisposable
{
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The meters subscribed: the service's, ASP.NET Core's (hosting, Kestrel, routing, diagnostics, ...) and the runtime's.</summary>
    public static IReadOnlyList<string> MeterNames { get; } = [TelemetryNames.Meter, "Microsoft.AspNetCore.*", "System.Runtime"];

    /// <summary>The activity sources traced over OTLP: the service's spans under ASP.NET Core's request span.</summary>
    public static IReadOnlyList<string> ActivitySourceNames { get; } = [TelemetryNames.ActivitySource, "Microsoft.AspNetCore"];

    private readonly MeterProvider _meters;
    private readonly TracerProvider? _tracer;

    public TelemetryProviders(IMeterFactory meterFactory, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);
        var resource = ResourceBuilder.CreateDefault()
            .AddService(configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "inference-service", serviceVersion: ServerInfo.Version);

        Prometheus = new PrometheusExporter();
        var meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter([.. MeterNames])
            .AddView(instrument => MetricViews.Select(instrument, meterFactory))
            .AddReader(new BaseExportingMetricReader(Prometheus) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative });
        if (otlp)
        {
            meters.AddOtlpExporter();
        }
        _meters = meters.Build();

        if (otlp)
        {
            _tracer = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource([.. ActivitySourceNames])
                .AddOtlpExporter()
                .Build();
        }
    }

    /// <summary>Renders the metrics for <c>GET /metrics</c>.</summary>
    public PrometheusExporter Prometheus { get; }

    /// <summary>Whether metrics and traces also go out over OTLP.</summary>
    public bool ExportsOverOtlp => _tracer is not null;

    public void Dispose()
    {
        _tracer?.Dispose();
        _meters.Dispose();
    }
}
