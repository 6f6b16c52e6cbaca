using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Telemetry;
using InferenceService.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>
/// <c>GET /metrics</c> after scripted traffic, read with a strict parser of the Prometheus text format. Each test
/// starts a host of its own, so every count is exactly what the test sent.
/// </summary>
public class MetricsApiTests
{
    private const string Iris = """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""";
    private const string IrisV1Infer = """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2] }] }""";

    private static readonly string[] s_stageHistograms =
    [
        "inference_queue_duration_seconds", "inference_compute_duration_seconds",
        "inference_preprocess_duration_seconds", "inference_postprocess_duration_seconds",
    ];

    [Fact]
    public async Task Scrape_AfterScriptedTraffic_CountsEveryRequestOnceByModelVersionAndOutcome()
    {
        var service = await OwnService.StartAsync<IrisAndBrokenModelFixture>();
        try
        {
            var client = service.Client;
            await SendAsync(client, 5, "/predict", Iris, HttpStatusCode.OK);
            await SendAsync(client, 2, "/v2/models/iris/versions/1/infer", IrisV1Infer, HttpStatusCode.OK);
            await SendAsync(client, 3, "/predict", """{ "model": "iris", "inputs": { "input": [[1, 2, 3]] } }""", HttpStatusCode.BadRequest);
            await SendAsync(client, 1, "/predict", """{ "model": "nope", "inputs": { "input": [[1, 2, 3, 4]] } }""", HttpStatusCode.NotFound);
            await SendAsync(client, 1, "/v2/models/iris/versions/9/infer", IrisV1Infer, HttpStatusCode.NotFound);
            await SendAsync(client, 1, "/predict", """{ "model": "broken", "inputs": { "input": [[1, 2, 3, 4]] } }""", HttpStatusCode.ServiceUnavailable);
            await SendAsync(client, 1, "/predict", "{ not json", HttpStatusCode.BadRequest);
            using (var metadata = await client.GetAsync("/v2/models/iris"))
            {
                Assert.Equal(HttpStatusCode.OK, metadata.StatusCode); // not an inference: not counted below
            }
            const int inferences = 14, predicts = 11;

            var scrape = await PrometheusAssert.ScrapeWhenAsync(client, s =>
                s.Sum("inference_requests_total") >= inferences
                && s.Sum("http_server_request_duration_seconds_count", ("http_route", "/predict")) >= predicts);

            Assert.Equal(5, Requests(scrape, "iris", "2", RequestOutcomes.Success));
            Assert.Equal(2, Requests(scrape, "iris", "1", RequestOutcomes.Success));
            Assert.Equal(3, Requests(scrape, "iris", "2", RequestOutcomes.ClientError));
            Assert.Equal(1, Requests(scrape, "iris", "", RequestOutcomes.ClientError)); // version 9 does not exist
            Assert.Equal(2, Requests(scrape, "", "", RequestOutcomes.ClientError)); // an unknown model, and a body with no model
            Assert.Equal(1, Requests(scrape, "broken", "", RequestOutcomes.Rejected));
            Assert.Equal(inferences, scrape.Sum("inference_requests_total"));
            Assert.Equal(6, scrape.Find("inference_requests_total").Count);

            // The duration histogram counts every request once, under the same labels as the counter.
            foreach (var counted in scrape.Find("inference_requests_total"))
            {
                Assert.Equal(counted.Value, scrape.Value("inference_request_duration_seconds_count", [.. counted.Labels.Select(l => (l.Key, l.Value))]));
            }
            Assert.Equal(inferences, scrape.Sum("inference_request_duration_seconds_count"));
            Assert.True(scrape.Value("inference_request_duration_seconds_sum", ("model", "iris"), ("version", "2"), ("outcome", "success")) > 0);

            // Stage histograms: only requests that reached a Run, once each.
            foreach (var stage in s_stageHistograms)
            {
                Assert.Equal(5, scrape.Value(stage + "_count", ("model", "iris"), ("version", "2")));
                Assert.Equal(2, scrape.Value(stage + "_count", ("model", "iris"), ("version", "1")));
                Assert.Equal(7, scrape.Sum(stage + "_count"));
                Assert.Equal(MetricViews.LatencyBoundaries, PrometheusAssert.BucketBounds(scrape, stage, ("model", "iris"), ("version", "2")));
            }
            Assert.True(scrape.Value("inference_compute_duration_seconds_sum", ("model", "iris"), ("version", "2")) > 0);
            PrometheusAssert.HistogramsAreConsistent(scrape);

            // Gauges, read from the registry at scrape time.
            Assert.Equal(0, scrape.Value("inference_queue_depth", ("model", "iris"), ("version", "2")));
            Assert.Equal(0, scrape.Value("inference_in_flight", ("model", "iris"), ("version", "1")));
            Assert.Empty(scrape.Find("inference_queue_depth", ("model", "broken")));
            Assert.Equal(1, scrape.Value("inference_model_state", ("model", "iris"), ("version", "2"), ("state", "ready")));
            Assert.Equal(0, scrape.Value("inference_model_state", ("model", "iris"), ("version", "2"), ("state", "failed")));
            Assert.Equal(1, scrape.Value("inference_model_state", ("model", "broken"), ("version", "1"), ("state", "failed")));
            Assert.Equal(0, scrape.Value("inference_model_state", ("model", "broken"), ("version", "1"), ("state", "loading")));
            Assert.True(scrape.Value("inference_model_load_duration_seconds", ("model", "iris"), ("version", "1")) > 0);
            Assert.True(scrape.Value("inference_model_load_duration_seconds", ("model", "broken"), ("version", "1")) > 0);

            // ASP.NET Core's meters (this host's only), Kestrel's, and the runtime's.
            Assert.Equal(predicts, scrape.Sum("http_server_request_duration_seconds_count", ("http_route", "/predict")));
            Assert.Equal("gauge", scrape.Types["kestrel_active_connections"]);
            Assert.True(scrape.Value("dotnet_process_memory_working_set_bytes") > 0);
        }
        finally
        {
            await service.DisposeAsync();
        }
    }

    [Fact]
    public async Task Scrape_Always_DescribesEveryInferenceMetricWithItsType()
    {
        var service = await OwnService.StartAsync<IrisFixture>();
        try
        {
            await SendAsync(service.Client, 1, "/predict", Iris, HttpStatusCode.OK);
            service.Factory.Services.GetRequiredService<IBatchObserver>().OnBatchExecuted(new BatchExecution("iris", 2, 1, 1, default, default, default, true));
            var scrape = await PrometheusAssert.ScrapeWhenAsync(service.Client, s => s.Sum("inference_requests_total") >= 1);

            var expected = new Dictionary<string, string>
            {
                ["inference_requests_total"] = "counter",
                ["inference_request_duration_seconds"] = "histogram",
                ["inference_queue_duration_seconds"] = "histogram",
                ["inference_compute_duration_seconds"] = "histogram",
                ["inference_preprocess_duration_seconds"] = "histogram",
                ["inference_postprocess_duration_seconds"] = "histogram",
                ["inference_batch_size"] = "histogram",
                ["inference_batch_requests"] = "histogram",
                ["inference_rows_total"] = "counter",
                ["inference_queue_depth"] = "gauge",
                ["inference_in_flight"] = "gauge",
                ["inference_model_state"] = "gauge",
                ["inference_model_load_duration_seconds"] = "gauge",
                // The lifecycle's: the startup loads (unloads and evictions appear once one happened).
                ["inference_model_loads_total"] = "counter",
                ["inference_model_load_time_seconds"] = "histogram",
                ["inference_model_loaded_bytes"] = "gauge",
                // The accuracy tracker's label-free signals, recorded for every classification answer.
                ["inference_predicted_class_total"] = "counter",
                ["inference_confidence"] = "histogram",
                // Batch jobs by status, observed whether or not a job ever ran.
                ["inference_jobs"] = "gauge",
            };
            foreach (var (name, type) in expected)
            {
                Assert.True(scrape.Types.TryGetValue(name, out var actual), $"{name} has no TYPE line.");
                Assert.Equal(type, actual);
                Assert.False(string.IsNullOrWhiteSpace(scrape.Help.GetValueOrDefault(name)), $"{name} has no HELP line.");
            }
            var unexpected = scrape.Types.Keys.Where(name => name.StartsWith("inference_", StringComparison.Ordinal) && !expected.ContainsKey(name)).Order().ToArray();
            Assert.True(unexpected.Length == 0, $"Metrics this test does not describe: {string.Join(", ", unexpected.Select(n => $"{n} ({scrape.Types[n]})"))}");
        }
        finally
        {
            await service.DisposeAsync();
        }
    }

    [Fact]
    public async Task Scrape_AfterScoredPredictions_ExportsTheRollingAccuracyAndErrorsUnderTheirDocumentedNames()
    {
        var service = await OwnService.StartAsync<DashboardModelsFixture>();
        try
        {
            var client = service.Client;
            // The classifier predicts a then b (the argmax of each row); the truth is a, a: one of two right.
            await client.PredictAsync("classifier", "scored", [[0.75f, 0.125f, 0.125f], [0.125f, 0.75f, 0.125f]]);
            await client.FeedbackOkAsync("classifier", "scored", """{"y": ["a", "a"]}""");
            // The regressor predicts 1, 2, 3 against 1, 2, 4: MAE 1/3, RMSE sqrt(1/3).
            await client.PredictAsync("regressor", "scored", [[1, 2, 3]], targets: """{"y": [[1, 2, 4]]}""");

            var scrape = await PrometheusAssert.ScrapeWhenAsync(client, s => s.Find("inference_rmse").Count > 0 && s.Find("inference_accuracy").Count > 0);

            (string, string)[] window = [("version", "1"), ("output", "y"), ("window", "last_1000")];
            Assert.Equal(0.5, scrape.Value("inference_accuracy", [("model", "classifier"), .. window]));
            Assert.Equal(1.0 / 3, scrape.Value("inference_mae", [("model", "regressor"), .. window]), 1e-9);
            Assert.Equal(Math.Sqrt(1.0 / 3), scrape.Value("inference_rmse", [("model", "regressor"), .. window]), 1e-9);
            Assert.All(["inference_accuracy", "inference_mae", "inference_rmse"], name => Assert.Equal("gauge", scrape.Types[name]));
        }
        finally
        {
            await service.DisposeAsync();
        }
    }

    [Fact]
    public async Task BatchObserver_FromTheContainer_ExportsBatchSizeRequestsAndRowsPerRun()
    {
        var service = await OwnService.StartAsync<IrisFixture>();
        try
        {
            var observer = service.Factory.Services.GetRequiredService<IBatchObserver>();
            observer.OnBatchExecuted(new BatchExecution("iris", 2, BatchSize: 8, Requests: 3, default, TimeSpan.FromMilliseconds(2), default, Succeeded: true));
            observer.OnBatchExecuted(new BatchExecution("iris", 2, BatchSize: 3, Requests: 1, default, TimeSpan.FromMilliseconds(1), default, Succeeded: true));
            observer.OnBatchExecuted(new BatchExecution("iris", 2, BatchSize: 4, Requests: 2, default, TimeSpan.FromMilliseconds(1), default, Succeeded: false));

            var scrape = await PrometheusAssert.ScrapeAsync(service.Client);

            (string, string)[] iris2 = [("model", "iris"), ("version", "2")];
            Assert.Equal(3, scrape.Value("inference_batch_size_count", iris2));
            Assert.Equal(15, scrape.Value("inference_batch_size_sum", iris2));
            Assert.Equal(0, scrape.Value("inference_batch_size_bucket", [.. iris2, ("le", "2")])); // 8, 3 and 4 are all above 2
            Assert.Equal(2, scrape.Value("inference_batch_size_bucket", [.. iris2, ("le", "4")]));
            Assert.Equal(3, scrape.Value("inference_batch_size_bucket", [.. iris2, ("le", "8")]));
            Assert.Equal(MetricViews.BatchBoundaries, PrometheusAssert.BucketBounds(scrape, "inference_batch_size", iris2));
            Assert.Equal(3, scrape.Value("inference_batch_requests_count", iris2));
            Assert.Equal(6, scrape.Value("inference_batch_requests_sum", iris2));
            Assert.Equal(11, scrape.Value("inference_rows_total", iris2)); // the failed Run's rows are not counted
            PrometheusAssert.HistogramsAreConsistent(scrape);
        }
        finally
        {
            await service.DisposeAsync();
        }
    }

    /// <summary>
    /// Meters are subscribed by name, and two hosts in one process share their meters' names. Each host keeps only
    /// the instruments of meters its own IMeterFactory made, so neither sees the other's traffic.
    /// </summary>
    [Fact]
    public async Task Scrape_TwoHostsInOneProcess_EachCountsOnlyItsOwnRequests()
    {
        var first = await OwnService.StartAsync<IrisFixture>();
        var second = await OwnService.StartAsync<IrisFixture>();
        try
        {
            await SendAsync(first.Client, 3, "/predict", Iris, HttpStatusCode.OK);
            await SendAsync(second.Client, 1, "/predict", Iris, HttpStatusCode.OK);

            var firstScrape = await PrometheusAssert.ScrapeWhenAsync(first.Client, s => s.Sum("http_server_request_duration_seconds_count", ("http_route", "/predict")) >= 3);
            var secondScrape = await PrometheusAssert.ScrapeWhenAsync(second.Client, s => s.Sum("http_server_request_duration_seconds_count", ("http_route", "/predict")) >= 1);

            Assert.Equal(3, Requests(firstScrape, "iris", "2", RequestOutcomes.Success));
            Assert.Equal(1, Requests(secondScrape, "iris", "2", RequestOutcomes.Success));
            Assert.Equal(3, firstScrape.Sum("http_server_request_duration_seconds_count", ("http_route", "/predict")));
            Assert.Equal(1, secondScrape.Sum("http_server_request_duration_seconds_count", ("http_route", "/predict")));
            Assert.Single(firstScrape.Find("inference_model_state", ("model", "iris"), ("version", "2"), ("state", "ready")));
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
        }
    }

    private static double Requests(PrometheusScrape scrape, string model, string version, string outcome) =>
        scrape.Value("inference_requests_total", ("model", model), ("version", version), ("outcome", outcome));

    private static async Task SendAsync(HttpClient client, int times, string path, string body, HttpStatusCode expected)
    {
        for (var i = 0; i < times; i++)
        {
            using var response = await client.PostJsonTextAsync(path, body);
            Assert.True(expected == response.StatusCode, $"POST {path}: expected {(int)expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
