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

    /// <summary>
    /// The real process, so that only its own spans reach the collector: listeners are process-wide, and the hosts of
    /// other tests in this one would be traced too. SIGTERM stops it, which flushes what OTLP has not sent yet.
    /// </summary>
    [Fact]
    public async Task ServiceProcess_OtlpEndpointConfigured_ExportsMetricsAndTracesButNotProbesOrScrapes()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = TestPaths.SampleModels,
            [OpenTelemetrySetup.OtlpEndpointKey] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            [OpenTelemetrySetup.ServiceNameKey] = "inference-otlp-test",
            ["Server__DrainDelaySeconds"] = "0", // SIGTERM ends the test: no drain to wait out
        });
        await service.WaitUntilReadyAsync();
        using (var client = service.CreateClient())
        {
            using var scrape = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
            using var predict = await client.PostJsonTextAsync("/predict", Iris);
            Assert.Equal(HttpStatusCode.OK, predict.StatusCode);
        }

        service.Terminate();
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await service.Process.WaitForExitAsync(exit.Token);
        }

        Assert.True(collector.Received("traces", "inference-otlp-test", "inference iris", "queue", "run", "/predict"),
            $"No trace of the inference with its queue and run spans was exported. Output:\n{service.Output}");
        Assert.True(collector.Received("metrics", "inference-otlp-test", "inference.requests", "inference.request.duration", "http.server.request.duration"),
            $"The metrics were not exported. Output:\n{service.Output}");
        // Probes and scrapes come every few seconds and tell nothing a trace would: they are not traced.
        Assert.False(collector.Received("traces", "/v2/health/ready"), "A readiness probe was traced.");
        Assert.False(collector.Received("traces", "/metrics"), "A scrape was traced.");
        Assert.False(collector.Received("logs"), "Logs went over OTLP; they are Serilog's, on the console.");
    }
}
