using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>The selector extractor the dashboard test relies on, on literal PromQL with every selector written out.</summary>
public class PromQlSelectorsTests
{
    [Fact]
    public void Extract_RatioWithVectorMatching_FindsBothSelectorsWithTheirOwnGroupings()
    {
        var selectors = PromQlSelectors.Extract(
            """sum by (model, outcome) (rate(inference_requests_total{model=~"$model", outcome!="success"}[$__rate_interval]))"""
            + """ / ignoring(outcome) group_left sum by (model) (rate(inference_requests_total{model=~"$model"}[$__rate_interval]))""");

        Assert.Equal(
            [
                """inference_requests_total{model=~"$model", outcome!="success"} by (model, outcome)""",
                """inference_requests_total{model=~"$model"} by (model)""",
            ],
            selectors.Select(s => s.ToString()));
        Assert.Equal([false, true], selectors[0].Matchers.Select(m => m.IsLiteral));
    }

    [Fact]
    public void Extract_HistogramQuantile_KeepsLeAndTheLiteralMatcher()
    {
        var selectors = PromQlSelectors.Extract(
            """histogram_quantile(0.95, sum by (le, model) (rate(inference_request_duration_seconds_bucket{model=~"${model}", outcome="success"}[5m])))""");

        var selector = Assert.Single(selectors);
        Assert.Equal("""inference_request_duration_seconds_bucket{model=~"${model}", outcome="success"} by (le, model)""", selector.ToString());
        Assert.Equal([false, true], selector.Matchers.Select(m => m.IsLiteral));
    }

    [Fact]
    public void Extract_BareNames_AreSelectorsButFunctionsAggregationsAndNumbersAreNot()
    {
        var selectors = PromQlSelectors.Extract("sum(dotnet_gc_last_collection_heap_size_bytes) + dotnet_process_memory_working_set_bytes * 2 > bool 0.5");

        Assert.Equal(
            ["dotnet_gc_last_collection_heap_size_bytes{} by ()", "dotnet_process_memory_working_set_bytes{} by ()"],
            selectors.Select(s => s.ToString()));
    }

    [Fact]
    public void Extract_LabelValuesTemplateQuery_NeedsTheLabelOnTheSeries()
    {
        var selector = Assert.Single(PromQlSelectors.ExtractTemplateQuery("label_values(inference_model_state, model)"));

        Assert.Equal("inference_model_state{} by (model)", selector.ToString());
    }

    [Theory]
    [InlineData("sum(rate(x[5m])) by (model)")] // the postfix grouping
    [InlineData("rate(x[5m] offset 1h)")]
    [InlineData("""{__name__="x"}""")]
    [InlineData("x{model=$model}")] // a variable outside a string
    [InlineData("sum(x")]
    public void Extract_FormsItDoesNotKnow_Throw(string expression) =>
        Assert.Throws<NotSupportedException>(() => PromQlSelectors.Extract(expression));
}
