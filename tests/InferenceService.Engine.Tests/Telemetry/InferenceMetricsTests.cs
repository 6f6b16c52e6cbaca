using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Telemetry;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Telemetry;

public sealed class InferenceMetricsTests : IDisposable
{
    private readonly TestMeterFactory _factory = new();
    private readonly MeasurementRecorder _recorded;
    private readonly InferenceMetrics _metrics;

    public InferenceMetricsTests()
    {
        _recorded = new MeasurementRecorder(_factory);
        _metrics = new InferenceMetrics(_factory);
    }

    public void Dispose()
    {
        _recorded.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public void Constructor_Always_PutsEveryInstrumentOnTheServiceMeterWithSecondsForDurations()
    {
        Assert.Equal(9, _recorded.Instruments.Count);
        Assert.All(_recorded.Instruments.Values, i => Assert.Equal(TelemetryNames.Meter, i.Meter.Name));
        Assert.All(_recorded.Instruments.Values.Where(i => i.Name.EndsWith(".duration", StringComparison.Ordinal)), i => Assert.Equal("s", i.Unit));
        Assert.All(_recorded.Instruments.Values, i => Assert.False(string.IsNullOrWhiteSpace(i.Description)));
    }

    [Fact]
    public void OnBatchExecuted_SucceededRun_RecordsBatchSizeRequestsAndRowsForTheModelVersion()
    {
        IBatchObserver observer = _metrics;

        observer.OnBatchExecuted(new BatchExecution("iris", 2, BatchSize: 16, Requests: 5, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(3), TimeSpan.Zero, Succeeded: true));

        var size = Assert.Single(_recorded.Of(InferenceMetrics.BatchSize));
        Assert.Equal(16, size.Value);
        Assert.Equal("iris", size.Tag("model"));
        Assert.Equal("2", size.Tag("version"));
        Assert.Equal(5, Assert.Single(_recorded.Of(InferenceMetrics.BatchRequests)).Value);
        var rows = Assert.Single(_recorded.Of(InferenceMetrics.Rows));
        Assert.Equal(16, rows.Value);
        Assert.Equal("2", rows.Tag("version"));
    }

    [Fact]
    public void OnBatchExecuted_FailedRun_RecordsBatchSizeButNoRows()
    {
        _metrics.OnBatchExecuted(new BatchExecution("digits", 1, BatchSize: 4, Requests: 4, default, default, default, Succeeded: false));

        Assert.Equal(4, Assert.Single(_recorded.Of(InferenceMetrics.BatchSize)).Value);
        Assert.Empty(_recorded.Of(InferenceMetrics.Rows));
    }

    [Fact]
    public void RecordRequest_Answered_CountsOneAndRecordsItsDurationInSeconds()
    {
        _metrics.RecordRequest("iris", "1", RequestOutcomes.TimedOut, TimeSpan.FromMilliseconds(1500));

        var counted = Assert.Single(_recorded.Of(InferenceMetrics.Requests));
        Assert.Equal(1, counted.Value);
        Assert.Equal(new Dictionary<string, string?> { ["model"] = "iris", ["version"] = "1", ["outcome"] = "timed_out" }, counted.Tags);
        var duration = Assert.Single(_recorded.Of(InferenceMetrics.RequestDuration));
        Assert.Equal(1.5, duration.Value, 9);
        Assert.Equal(counted.Tags, duration.Tags);
    }

    [Fact]
    public void RecordStages_BatchedRequest_AddsGatherToDecodeAndScatterToEncode()
    {
        var timings = new StageTimings(Queue: TimeSpan.FromMilliseconds(4), Gather: TimeSpan.FromMilliseconds(1), Run: TimeSpan.FromMilliseconds(10),
            Scatter: TimeSpan.FromMilliseconds(2), BatchSize: 8, BatchRequests: 3);

        _metrics.RecordStages("iris", "2", timings, decode: TimeSpan.FromMilliseconds(3), encode: TimeSpan.FromMilliseconds(5));

        Assert.Equal(0.004, Assert.Single(_recorded.Of(InferenceMetrics.QueueDuration)).Value, 9);
        Assert.Equal(0.010, Assert.Single(_recorded.Of(InferenceMetrics.ComputeDuration)).Value, 9);
        Assert.Equal(0.004, Assert.Single(_recorded.Of(InferenceMetrics.PreprocessDuration)).Value, 9);
        Assert.Equal(0.007, Assert.Single(_recorded.Of(InferenceMetrics.PostprocessDuration)).Value, 9);
        Assert.All(_recorded.Of(InferenceMetrics.ComputeDuration), m => Assert.Equal(new Dictionary<string, string?> { ["model"] = "iris", ["version"] = "2" }, m.Tags));
        Assert.Empty(_recorded.Of(InferenceMetrics.BatchSize)); // per Run, from the observer only: never once per request
    }
}
