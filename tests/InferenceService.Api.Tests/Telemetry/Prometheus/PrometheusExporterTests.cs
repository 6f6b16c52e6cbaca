using System.Diagnostics.Metrics;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Telemetry.Prometheus;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace InferenceService.Api.Tests.Telemetry.Prometheus;

/// <summary>
/// The exporter behind a meter provider of its own, on a meter whose name no other test uses: what the SDK collects
/// comes out as Prometheus text, read back with the strict parser.
/// </summary>
public sealed class PrometheusExporterTests : IDisposable
{
    private readonly Meter _meter = new("PrometheusExporterTests." + Guid.NewGuid().ToString("N"));
    private readonly PrometheusExporter _exporter = new();
    private readonly MeterProvider _provider;

    public PrometheusExporterTests()
    {
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(_meter.Name)
            .AddView(instrument => instrument.Name == "work.duration" ? new ExplicitBucketHistogramConfiguration { Boundaries = [0.001, 0.01, 0.1] } : null)
            .AddReader(new BaseExportingMetricReader(_exporter))
            .Build();
    }

    public void Dispose()
    {
        _provider.Dispose();
        _meter.Dispose();
    }

    private PrometheusScrape Scrape() => PrometheusScrape.Parse(_exporter.Scrape() ?? throw new InvalidOperationException("The exporter could not collect."));

    [Fact]
    public void Scrape_Counter_WritesHelpTypeAndTotalPerLabelSet()
    {
        var counter = _meter.CreateCounter<long>("jobs.done", "{job}", "Jobs finished.");
        counter.Add(2, new KeyValuePair<string, object?>("queue", "a"));
        counter.Add(3, new KeyValuePair<string, object?>("queue", "a"));
        counter.Add(1, new KeyValuePair<string, object?>("queue", "b"));

        var scrape = Scrape();

        Assert.Equal("counter", scrape.Types["jobs_done_total"]);
        Assert.Equal("Jobs finished.", scrape.Help["jobs_done_total"]);
        Assert.Equal(5, scrape.Value("jobs_done_total", ("queue", "a")));
        Assert.Equal(1, scrape.Value("jobs_done_total", ("queue", "b")));
    }

    [Fact]
    public void Scrape_CumulativeAcrossScrapes_KeepsCountingFromTheStart()
    {
        var counter = _meter.CreateCounter<long>("ticks");
        counter.Add(4);
        Assert.Equal(4, Scrape().Value("ticks_total"));

        counter.Add(1);

        Assert.Equal(5, Scrape().Value("ticks_total"));
    }

    [Fact]
    public void Scrape_Histogram_WritesCumulativeBucketsSumAndCount()
    {
        var histogram = _meter.CreateHistogram<double>("work.duration", "s", "Work time.");
        foreach (var seconds in new[] { 0.0005, 0.005, 0.005, 0.05, 2.0 })
        {
            histogram.Record(seconds, new KeyValuePair<string, object?>("kind", "x"));
        }

        var scrape = Scrape();

        Assert.Equal("histogram", scrape.Types["work_duration_seconds"]);
        var buckets = scrape.Find("work_duration_seconds_bucket", ("kind", "x"));
        Assert.Equal(["0.001", "0.01", "0.1", "+Inf"], buckets.Select(b => b.Label("le")));
        Assert.Equal([1.0, 3, 4, 5], buckets.Select(b => b.Value));
        Assert.Equal(5, scrape.Value("work_duration_seconds_count", ("kind", "x")));
        Assert.Equal(2.0605, scrape.Value("work_duration_seconds_sum", ("kind", "x")), 10);
        PrometheusAssert.HistogramsAreConsistent(scrape);
    }

    [Fact]
    public void Scrape_UpDownCounterAndGauge_AreGaugesWithoutTotal()
    {
        var active = _meter.CreateUpDownCounter<int>("active.items", "{item}");
        active.Add(5);
        active.Add(-2);
        _meter.CreateObservableGauge("temperature", () => -1.5, "Cel");

        var scrape = Scrape();

        Assert.Equal("gauge", scrape.Types["active_items"]);
        Assert.Equal(3, scrape.Value("active_items"));
        Assert.Equal("gauge", scrape.Types["temperature_celsius"]);
        Assert.Equal(-1.5, scrape.Value("temperature_celsius"));
    }

    [Fact]
    public void Scrape_LabelValuesAndHelpWithSpecialCharacters_AreEscaped()
    {
        var counter = _meter.CreateCounter<long>("escapes", description: "Line one\nline \\two \"quoted\"");
        const string Awkward = "back\\slash \"quote\"\nnew line, comma=equals {brace} ünïcode";
        counter.Add(1, new KeyValuePair<string, object?>("value", Awkward), new KeyValuePair<string, object?>("dotted.key", 42));

        var text = _exporter.Scrape()!;
        var scrape = PrometheusScrape.Parse(text);

        var sample = Assert.Single(scrape.Find("escapes_total"));
        Assert.Equal(Awkward, sample.Label("value"));
        Assert.Equal("42", sample.Label("dotted_key"));
        Assert.Equal("Line one\nline \\two \"quoted\"", scrape.Help["escapes_total"]);
        Assert.Contains("# HELP escapes_total Line one\\nline \\\\two \"quoted\"\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_TwoInstrumentsWithOneName_WritesOneFamily()
    {
        using var other = new Meter(_meter.Name); // same name, another meter: the provider subscribes to both
        _meter.CreateCounter<long>("shared").Add(1, new KeyValuePair<string, object?>("from", "first"));
        other.CreateCounter<long>("shared").Add(2, new KeyValuePair<string, object?>("from", "second"));

        var scrape = Scrape(); // the parser refuses a family given twice

        Assert.Equal(1, scrape.Value("shared_total", ("from", "first")));
        Assert.Equal(2, scrape.Value("shared_total", ("from", "second")));
    }

    [Fact]
    public void Scrape_AfterProviderDisposed_ReturnsNull()
    {
        _meter.CreateCounter<long>("late").Add(1);
        _provider.Dispose();

        Assert.Null(_exporter.Scrape());
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.00025, "0.00025")]
    [InlineData(1e-7, "1E-07")]
    [InlineData(12345678.5, "12345678.5")]
    public void Format_Double_IsWhatPrometheusParses(double value, string expected) =>
        Assert.Equal(expected, PrometheusTextWriter.Format(value));
}
