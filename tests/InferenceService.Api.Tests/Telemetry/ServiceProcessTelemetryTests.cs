using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>The deployed process's telemetry: JSON log lines on its console in Production, and /metrics over HTTP.</summary>
public class ServiceProcessTelemetryTests
{
    [Fact]
    public async Task ServiceProcess_InProduction_LogsOneJsonObjectPerLineAndServesMetrics()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string> { ["ModelRepository__Path"] = TestPaths.SampleModels });
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient();
        using (var predict = await client.PostJsonTextAsync("/predict", """{ "model": "iris", "id": "process-log-1", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }"""))
        {
            Assert.Equal(HttpStatusCode.OK, predict.StatusCode);
        }
        using (var missing = await client.PostJsonTextAsync("/v2/models/nope/infer", "{}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var predictLine = await service.WaitForLineAsync(l => l.Contains("\"PredictionId\":\"process-log-1\"", StringComparison.Ordinal), "the /predict request's event");
        await service.WaitForLineAsync(l => l.Contains("\"Route\":\"/v2/models/{model}/infer\"", StringComparison.Ordinal), "the unknown model's request event");

        using (var logged = JsonDocument.Parse(predictLine))
        {
            var root = logged.RootElement;
            Assert.Equal(LogCapture.RequestLogCategory, root.GetProperty("category").GetString());
            Assert.Equal("/predict", root.GetProperty("Route").GetString());
            Assert.Equal("iris", root.GetProperty("Model").GetString());
            Assert.Equal("success", root.GetProperty("Outcome").GetString());
            Assert.Equal(32, root.GetProperty("TraceId").GetString()!.Length);
        }
        var lines = service.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length >= 5, $"Too little output:\n{service.Output}");
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line); // throws on a line that is not JSON
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            foreach (var field in (string[])["timestamp", "level", "message"])
            {
                Assert.True(document.RootElement.TryGetProperty(field, out _), $"No \"{field}\" in {line}");
            }
        }

        // The request events above are written after the metrics are recorded, so the counts are final.
        var scrape = await PrometheusAssert.ScrapeAsync(client);
        Assert.Equal(1, scrape.Value("inference_requests_total", ("model", "iris"), ("version", "2"), ("outcome", "success")));
        Assert.Equal(1, scrape.Value("inference_requests_total", ("model", ""), ("version", ""), ("outcome", "client_error")));
        Assert.Equal(1, scrape.Value("inference_model_state", ("model", "digits"), ("version", "1"), ("state", "ready")));
        PrometheusAssert.HistogramsAreConsistent(scrape);
    }
}
