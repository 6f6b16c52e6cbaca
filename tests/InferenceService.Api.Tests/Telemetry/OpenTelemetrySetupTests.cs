using System.Diagnostics;
using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>The host's OpenTelemetry SDK: metrics for /metrics always; OTLP, and traces, only when its endpoint is configured.</summary>
public class OpenTelemetrySetupTests
{
    private const string Iris = """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""";

    [Fact]
    public async Task Host_NoOtlpEndpoint_RecordsNoSpansAndServesMetrics()
    {
        var service = await OwnService.StartAsync<IrisFixture>();
        try
        {
            Assert.NotNull(service.Factory.Services.GetService<MeterProvider>());
            Assert.Null(service.Factory.Services.GetService<TracerProvider>());
            using var response = await service.Client.PostJsonTextAsync("/predict", Iris);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            var scrape = await PrometheusAssert.ScrapeWhenAsync(service.Client, s => s.Sum("inference_requests_total") >= 1);

            Assert.Equal(1, scrape.Sum("inference_requests_total"));
        }
        finally
        {
            await service.DisposeAsync();
        }
    }

    [Fact]
    public async Task Host_OtlpEndpointConfigured_ExportsMetricsAndTracesToIt()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        using var repository = new ModelRepositoryBuilder().AddSampleModel("iris");
        await using var factory = new InferenceServiceFactory(repository.Root, new Dictionary<string, string?>
        {
            [OpenTelemetrySetup.OtlpEndpointKey] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            [OpenTelemetrySetup.ServiceNameKey] = "inference-otlp-test",
        });
        using var client = factory.CreateClient();
        await ServiceReadiness.WaitUntilReadyAsync(client);
        using (var scrape = await client.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        }
        using (var response = await client.PostJsonTextAsync("/predict", Iris))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var tracer = factory.Services.GetRequiredService<TracerProvider>();
        var meters = factory.Services.GetRequiredService<MeterProvider>();

        // The inference span ends just after the answer is sent, so flush until it has gone out. The meter provider's
        // flush reports false whatever OTLP did, since the Prometheus exporter only exports when scraped.
        FlushUntil(() => tracer.ForceFlush(), () => collector.Received("traces", "inference iris"));
        FlushUntil(() => meters.ForceFlush(), () => collector.Received("metrics", "inference.requests"));

        Assert.True(collector.Received("traces", "inference-otlp-test", "inference iris", "queue", "run"), "No trace with the inference, queue and run spans was exported.");
        Assert.True(collector.Received("metrics", "inference-otlp-test", "inference.requests", "inference.request.duration"), "The inference metrics were not exported.");
        // Probes and scrapes come every few seconds and tell nothing a trace would: they are not traced.
        Assert.False(collector.Received("traces", "/v2/health/ready"), "A readiness probe was traced.");
        Assert.False(collector.Received("traces", "/metrics"), "A scrape was traced.");
        Assert.False(collector.Received("logs"), "Logs went over OTLP; they are Serilog's, on the console.");
    }

    /// <summary>Flushes until <paramref name="done"/> holds, for ten seconds at most (each flush waits for its export).</summary>
    private static void FlushUntil(Func<bool> flush, Func<bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (!done() && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            flush();
        }
    }
}
