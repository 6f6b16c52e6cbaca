using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>
/// The provisioned Grafana dashboard against what <c>GET /metrics</c> really exports. A query naming a metric or label
/// the service does not export draws "No data" without any error, so after traffic that should give every panel
/// data, each query's selectors must find their series in a scrape. A dashboard mismatch is fixed in
/// docker/grafana/make_dashboard.py, which writes the JSON.
/// </summary>
public class GrafanaDashboardTests
{
    /// <summary>Inference requests <see cref="SendTrafficAsync"/> sends, to wait until the scrape counts all of them.</summary>
    private const int Inferences = 5;

    [Fact]
    public void Dashboard_EveryExpression_IsReadWithTheSeriesItSelects()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(GrafanaDashboard.FilePath));

        var queries = GrafanaDashboard.Queries(document.RootElement);

        Assert.Equal(GrafanaDashboard.CountExprProperties(document.RootElement), queries.Count(q => q.Where.StartsWith("panel", StringComparison.Ordinal)));
        Assert.Contains(queries, q => q.Where == "template variable \"model\"");
        Assert.All(queries, q => Assert.True(q.Selectors.Count > 0, $"{q.Where}: no series read from \"{q.Query}\"."));
    }

    [Fact]
    public async Task Dashboard_AfterTrafficForEveryPanel_SelectsOnlySeriesTheScrapeHolds()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(GrafanaDashboard.FilePath));
        var queries = GrafanaDashboard.Queries(document.RootElement);
        var service = await OwnService.StartAsync<DashboardModelsFixture>();
        try
        {
            await SendTrafficAsync(service.Client);
            // The runtime reports the heap after the last collection only once a collection has happened.
            GC.Collect();

            var scrape = await PrometheusAssert.ScrapeWhenAsync(service.Client, s => s.Sum("inference_requests_total") >= Inferences);

            var mismatches = DashboardScrapeCheck.Mismatches(queries, scrape);
            Assert.True(mismatches.Count == 0,
                $"The dashboard ({GrafanaDashboard.FilePath}) selects what GET /metrics does not export:\n{string.Join("\n", mismatches)}");
        }
        finally
        {
            await service.DisposeAsync();
        }
    }

    /// <summary>
    /// Successful and failed inferences (every Run also records its batch size and rows), a classification scored by
    /// feedback and by inline targets (<c>inference_accuracy</c>), and a regression scored inline (MAE, RMSE).
    /// </summary>
    private static async Task SendTrafficAsync(HttpClient client)
    {
        await client.PredictAsync("classifier", "fed-back", [[0.75f, 0.125f, 0.125f], [0.125f, 0.75f, 0.125f]]);
        await client.FeedbackOkAsync("classifier", "fed-back", """{"y": ["a", "a"]}""");
        using (var inline = await client.InferAsync("classifier", "inline", [[0.125f, 0.125f, 0.75f]], """{"y": ["c"]}"""))
        {
            await ResponseAssert.JsonAsync(inline, HttpStatusCode.OK);
        }
        using (var failed = await client.PostJsonTextAsync("/predict", """{"model": "classifier", "inputs": {"x": [[1, 2]]}}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        }
        await client.PredictAsync("regressor", "scored", [[1, 2, 3]], targets: """{"y": [[1, 2, 4]]}""");
        await client.PredictAsync("regressor", "unscored", [[4, 5, 6]]);
    }
}
