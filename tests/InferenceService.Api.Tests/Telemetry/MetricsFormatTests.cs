using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>
/// <c>GET /metrics</c> answers in the format the scraper asks for: the Prometheus text format by default, OpenMetrics
/// (ending in <c># EOF</c>, as Prometheus requires of it) when the Accept header prefers it, as Prometheus' own does.
/// </summary>
public class MetricsFormatTests(IrisFixture service) : IClassFixture<IrisFixture>
{
    /// <summary>The Accept header Prometheus 3 sends by default.</summary>
    private const string PrometheusAccept =
        "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5," +
        "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

    private const string OpenMetrics1 = "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores";

    private readonly HttpClient _client = service.Client;

    [Theory]
    [InlineData(PrometheusAccept, OpenMetrics1)]
    [InlineData("application/openmetrics-text;version=1.0.0", OpenMetrics1)]
    [InlineData("application/openmetrics-text;version=0.0.1", "application/openmetrics-text; version=0.0.1; charset=utf-8")]
    public async Task Scrape_OpenMetricsAccepted_AnswersOpenMetricsEndingInEof(string accept, string contentType)
    {
        await PredictAsync();

        var (type, text) = await ScrapeAsync(accept);

        Assert.Equal(contentType, type);
        Assert.EndsWith("\n# EOF\n", text, StringComparison.Ordinal);
        Assert.Equal(1, CountOf("# EOF", text));
        // OpenMetrics names a counter's family without _total, and its samples with it.
        Assert.Contains("# TYPE inference_requests counter\n", text, StringComparison.Ordinal);
        Assert.Contains("\ninference_requests_total{", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE inference_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("\ninference_request_duration_seconds_bucket{", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "text/plain; version=0.0.4; charset=utf-8")]
    [InlineData("text/plain", "text/plain; version=0.0.4; charset=utf-8")]
    [InlineData("text/plain;version=1.0.0;escaping=allow-utf-8", "text/plain; version=1.0.0; charset=utf-8; escaping=underscores")]
    public async Task Scrape_TextAcceptedOrNothingAsked_AnswersTheTextFormatWithoutEof(string? accept, string contentType)
    {
        await PredictAsync();

        var (type, text) = await ScrapeAsync(accept);

        Assert.Equal(contentType, type);
        Assert.DoesNotContain("# EOF", text, StringComparison.Ordinal);
        var scrape = PrometheusScrape.Parse(text); // the strict reader of the text format
        Assert.Equal("counter", scrape.Types["inference_requests_total"]);
        Assert.True(scrape.Sum("inference_requests_total", ("model", "iris")) >= 1);
        PrometheusAssert.HistogramsAreConsistent(scrape);
    }

    [Fact]
    public async Task Metrics_Post_IsNotAllowed()
    {
        using var response = await _client.PostAsync("/metrics", new StringContent(""));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    /// <summary>One inference, and a scrape that counts it (the count moves just after the answer is sent).</summary>
    private async Task PredictAsync()
    {
        using var response = await _client.PostJsonTextAsync("/predict", """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await PrometheusAssert.ScrapeWhenAsync(_client, s => s.Sum("inference_requests_total") >= 1);
    }

    private async Task<(string? ContentType, string Text)> ScrapeAsync(string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());
    }

    private static int CountOf(string line, string text) => text.Split('\n').Count(l => l == line);
}
