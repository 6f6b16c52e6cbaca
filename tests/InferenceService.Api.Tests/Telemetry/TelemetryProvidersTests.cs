using System.Diagnostics.Metrics;
using InferenceService.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>The SDK the host owns: Prometheus always, OTLP only when its endpoint is configured.</summary>
public class TelemetryProvidersTests
{
    private static TelemetryProviders Create(ServiceProvider services, params (string Key, string Value)[] settings) =>
        new(services.GetRequiredService<IMeterFactory>(),
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());

    [Fact]
    public void Constructor_NoOtlpEndpoint_ServesPrometheusOnly()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var telemetry = Create(services);

        Assert.False(telemetry.ExportsOverOtlp);
        Assert.NotNull(telemetry.Prometheus.Scrape());
    }

    [Fact]
    public void Constructor_OtlpEndpointConfigured_ExportsOverOtlpAsWell()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        // Nothing listens there: the exporter's failures are its own, and never reach the service.
        using var telemetry = Create(services, (TelemetryProviders.OtlpEndpointKey, "http://127.0.0.1:9"), ("OTEL_SERVICE_NAME", "inference-test"));

        Assert.True(telemetry.ExportsOverOtlp);
        Assert.NotNull(telemetry.Prometheus.Scrape());
    }

    [Fact]
    public void Dispose_Twice_StopsScrapingWithoutThrowing()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var telemetry = Create(services);

        telemetry.Dispose();
        telemetry.Dispose();

        Assert.Null(telemetry.Prometheus.Scrape());
    }
}
