using System.Diagnostics.Metrics;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Tests.TestSupport;
using static InferenceService.Engine.Tests.TestSupport.AccuracyModels;

namespace InferenceService.Engine.Tests.Accuracy;

/// <summary>The instruments on the InferenceService meter, heard through a listener on this test's meter only.</summary>
public sealed class AccuracyMetricsTests : IDisposable
{
    private readonly AccuracyHarness _harness = new(new AccuracyOptions { RowWindows = [2], TimeWindows = [TimeSpan.FromHours(1)] });
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];

    public AccuracyMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_harness.Meters.Meters.Contains(instrument.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _harness.Dispose();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_measurements)
        {
            _measurements.Add((instrument.Name, value, new Dictionary<string, object?>(tags.ToArray())));
        }
    }

    private IEnumerable<(double Value, Dictionary<string, object?> Tags)> Of(string instrument) =>
        _measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags));

    [Fact]
    public void Meter_IsTheServiceMeter()
    {
        Assert.Equal("InferenceService", Assert.Single(_harness.Meters.Meters).Name);
    }

    [Fact]
    public void Feedback_ScoredRows_AreCountedWithModelVersionAndOutputTags()
    {
        var iris = _harness.Own(Iris());
        _harness.Record(IrisResult(iris, 0, 1), "p");

        _harness.Feedback(iris, "p", """{"label": [0, 0]}""");

        var (value, tags) = Assert.Single(Of("inference.scored.rows"));
        Assert.Equal(2, value);
        Assert.Equal("iris", tags["model"]);
        Assert.Equal("1", tags["version"]);
        Assert.Equal("label", tags["output"]);
    }

    [Fact]
    public void Record_PredictedClassesAndConfidence_AreRecordedPerRow()
    {
        var iris = _harness.Own(Iris());

        _harness.Record(IrisResult(iris, 2, 2), "p");

        var classes = Of("inference.predicted.class").ToArray();
        Assert.Equal(4, classes.Length); // two rows on each of the two outputs
        Assert.All(classes, c => Assert.Equal("virginica", c.Tags["class"]));
        var confidence = Of("inference.confidence").ToArray();
        Assert.Equal(2, confidence.Length); // the scores output only
        Assert.All(confidence, c => Assert.Equal((0.75, "probabilities"), (c.Value, c.Tags["output"])));
    }

    [Fact]
    public void Gauges_AfterFeedback_ReportAccuracyMaeAndRmsePerWindow()
    {
        var iris = _harness.Own(Iris());
        var regressor = _harness.Own(IdentityFloat());
        _harness.Record(IrisResult(iris, 0, 1, 2), "p");
        _harness.Feedback(iris, "p", """{"label": [0, 1, 1]}""");
        _harness.Record(FloatResult(regressor, [0, 0, 0]), "q");
        _harness.Feedback(regressor, "q", """{"y": [[1, 2, 2]]}""");

        _listener.RecordObservableInstruments();

        var accuracy = Of("inference.accuracy").ToDictionary(m => (string)m.Tags["window"]!, m => m.Value);
        Assert.Equal(0.5, accuracy["last_2"]);
        Assert.Equal(2.0 / 3, accuracy["last_1h"], 12);
        Assert.Equal(2, accuracy.Count); // the label output; probabilities had no targets, so no score
        var mae = Of("inference.mae").Single(m => (string)m.Tags["window"]! == "last_1h");
        Assert.Equal((5.0 / 3, "regressor", "y"), (mae.Value, mae.Tags["model"], mae.Tags["output"]));
        Assert.Equal(Math.Sqrt(3), Of("inference.rmse").Single(m => (string)m.Tags["window"]! == "last_2").Value, 12);
    }
}
