using System.Diagnostics.Metrics;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Accuracy;

/// <summary>
/// The accuracy instruments reach a listener of the "InferenceService" meter, which is what the OpenTelemetry SDK
/// subscribes to. Other services in the test process share the meter name, so only this fixture's model is read.
/// </summary>
public sealed class AccuracyMetricsTests(AccuracyModelsFixture service) : IClassFixture<AccuracyModelsFixture>, IDisposable
{
    private readonly HttpClient _client = service.Client;
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];

    public void Dispose() => _listener.Dispose();

    private void Listen()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "InferenceService" && instrument.Name.StartsWith("inference.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        _listener.Start();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var tagged = new Dictionary<string, object?>(tags.ToArray());
        if (tagged.GetValueOrDefault("model") as string == "metrics")
        {
            lock (_measurements)
            {
                _measurements.Add((instrument.Name, value, tagged));
            }
        }
    }

    [Fact]
    public async Task Feedback_ThroughTheService_ReachesTheInferenceServiceMeter()
    {
        Listen();
        await _client.PredictAsync("metrics", "m1", [[0.75f, 0.125f, 0.125f], [0.125f, 0.75f, 0.125f]]);
        await _client.FeedbackOkAsync("metrics", "m1", """{"y": ["a", "a"]}""");

        _listener.RecordObservableInstruments();

        lock (_measurements)
        {
            var accuracy = _measurements.Single(m => m.Instrument == "inference.accuracy" && (string)m.Tags["window"]! == "last_2");
            Assert.Equal(0.5, accuracy.Value);
            Assert.Equal(("1", "y"), (accuracy.Tags["version"], accuracy.Tags["output"]));
            Assert.Equal(2, _measurements.Where(m => m.Instrument == "inference.scored.rows").Sum(m => m.Value));
            Assert.Equal(["a", "b"], _measurements.Where(m => m.Instrument == "inference.predicted.class").Select(m => (string)m.Tags["class"]!).Order());
            Assert.Equal([0.75, 0.75], _measurements.Where(m => m.Instrument == "inference.confidence").Select(m => m.Value));
        }
    }
}
