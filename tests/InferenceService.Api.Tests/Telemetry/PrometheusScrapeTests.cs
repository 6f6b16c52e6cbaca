using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>The tests' own reader of the text format: it must accept what Prometheus accepts and refuse the rest.</summary>
public class PrometheusScrapeTests
{
    [Fact]
    public void Parse_WellFormedText_ReadsTypesHelpLabelsAndValues()
    {
        var scrape = PrometheusScrape.Parse("""
            # HELP a_total Things, with a \\ and a\nbreak.
            # TYPE a_total counter
            a_total{x="1",y="q\"uote\\d\nz"} 3
            a_total 4 1700000000000
            # A comment.
            # TYPE h histogram
            h_bucket{le="0.5"} 1
            h_bucket{le="+Inf"} 2
            h_sum 1.5e0
            h_count 2
            # TYPE g gauge
            g NaN

            """.Replace("\r\n", "\n", StringComparison.Ordinal));

        Assert.Equal("counter", scrape.Types["a_total"]);
        Assert.Equal("Things, with a \\ and a\nbreak.", scrape.Help["a_total"]);
        Assert.Equal(3, scrape.Value("a_total", ("x", "1")));
        Assert.Equal("q\"uote\\d\nz", Assert.Single(scrape.Find("a_total", ("x", "1"))).Label("y"));
        Assert.Equal(7, scrape.Sum("a_total"));
        Assert.Equal(1.5, scrape.Value("h_sum"));
        Assert.True(double.IsNaN(scrape.Value("g")));
    }

    [Theory]
    [InlineData("x 1\n")] // no TYPE
    [InlineData("# TYPE x gauge\n# TYPE x gauge\nx 1\n")] // TYPE twice
    [InlineData("# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx 2\n")] // a family in two places
    [InlineData("# TYPE x gauge\nx{a=\"\\t\"} 1\n")] // an escape Prometheus does not know
    [InlineData("# TYPE x gauge\nx{a=\"1\" b=\"2\"} 1\n")] // labels without a comma
    [InlineData("# TYPE x gauge\nx{a=\"1\",a=\"2\"} 1\n")] // a label twice
    [InlineData("# TYPE x gauge\nx{a.b=\"1\"} 1\n")] // a bad label name
    [InlineData("# TYPE x.y gauge\nx.y 1\n")] // a bad metric name
    [InlineData("# TYPE x gauge\nx one\n")] // a bad value
    [InlineData("# TYPE x gauge\nx 1")] // no final line feed
    [InlineData("# TYPE x gauge\nx_count 1\n")] // _count of something that is not a histogram
    [InlineData("# TYPE x wibble\nx 1\n")] // an unknown type
    public void Parse_MalformedText_Throws(string text) =>
        Assert.Throws<FormatException>(() => PrometheusScrape.Parse(text));
}
