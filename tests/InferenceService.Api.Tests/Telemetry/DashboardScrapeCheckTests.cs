using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>
/// The dashboard check on a small hand-written scrape: a correct query passes, and each kind of break the dashboard
/// test exists to catch (a renamed metric, a renamed label, a label value never exported) is reported.
/// </summary>
public class DashboardScrapeCheckTests
{
    private static readonly PrometheusScrape s_scrape = PrometheusScrape.Parse("""
        # TYPE inference_requests_total counter
        inference_requests_total{model="iris",outcome="success",version="2"} 3
        inference_requests_total{model="iris",outcome="client_error",version="2"} 1
        # TYPE inference_accuracy_ratio gauge
        inference_accuracy_ratio{model="iris",output="y",version="2",window="last_1000"} 0.5
        # TYPE inference_batch_size histogram
        inference_batch_size_bucket{model="iris",version="2",le="1"} 3
        inference_batch_size_bucket{model="iris",version="2",le="+Inf"} 3
        inference_batch_size_sum{model="iris",version="2"} 3
        inference_batch_size_count{model="iris",version="2"} 3

        """.ReplaceLineEndings("\n"));

    [Theory]
    [InlineData("""sum by (model, outcome) (rate(inference_requests_total{model=~"$model", outcome!="success"}[5m]))""")]
    [InlineData("""histogram_quantile(0.5, sum by (le, model) (rate(inference_batch_size_bucket{model=~"$model"}[5m])))""")]
    [InlineData("""inference_accuracy_ratio{model=~"iris|digits", window="last_1000"}""")]
    public void Mismatches_QueryOfExportedSeries_IsEmpty(string expression) =>
        Assert.Empty(DashboardScrapeCheck.Mismatches([Query(expression)], s_scrape));

    [Theory]
    [InlineData("""inference_accuracy{model=~"$model"}""", "no sample of inference_accuracy in the scrape (names starting with inference_accuracy: inference_accuracy_ratio).")]
    [InlineData("""sum by (model, status) (inference_requests_total)""", "inference_requests_total has no label status; its samples have model, outcome, version.")]
    [InlineData("""sum by (le) (inference_batch_size_count)""", "inference_batch_size_count has no label le; its samples have model, version.")]
    [InlineData("""inference_requests_total{outcome="timed_out"}""", "no sample of inference_requests_total matches outcome=\"timed_out\"; values seen: outcome: \"client_error\", \"success\".")]
    [InlineData("""inference_requests_total{model="iris", outcome!~"success|client_error"}""", "no sample of inference_requests_total matches model=\"iris\", outcome!~\"success|client_error\"; values seen: model: \"iris\"; outcome: \"client_error\", \"success\".")]
    public void Mismatches_QueryOfWhatIsNotExported_NamesTheQueryAndTheProblem(string expression, string problem)
    {
        var mismatch = Assert.Single(DashboardScrapeCheck.Mismatches([Query(expression)], s_scrape));

        Assert.Equal($"panel \"Test\" query A, \"{expression}\": {problem}", mismatch);
    }

    private static DashboardQuery Query(string expression) => new("panel \"Test\" query A", expression, PromQlSelectors.Extract(expression));
}
