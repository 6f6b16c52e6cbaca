using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;
using InferenceService.Engine.Telemetry;
using InferenceService.Engine.Tests.Serving;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Telemetry;

/// <summary>
/// The gauges over the registry of <see cref="LoadedRegistryFixture"/>: multi 1 and 2 ready and 3 failed (a corrupt
/// file), single 1 ready, broken 1 failed (its configuration is invalid, so it was never loaded), empty no versions.
/// </summary>
public sealed class ModelMetricsTests : IClassFixture<LoadedRegistryFixture>, IDisposable
{
    private readonly LoadedRegistryFixture _fixture;
    private readonly TestMeterFactory _factory = new();
    private readonly MeasurementRecorder _recorded;

    public ModelMetricsTests(LoadedRegistryFixture fixture)
    {
        _fixture = fixture;
        _recorded = new MeasurementRecorder(_factory);
        _ = new ModelMetrics(_factory, fixture.Registry);
    }

    public void Dispose()
    {
        _recorded.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public void Observe_LoadedRegistry_ReportsOneForEachVersionsStateAndZeroForTheOthers()
    {
        _recorded.Observe();

        var states = _recorded.Of(ModelMetrics.State);
        Assert.Equal(5 * 5, states.Count); // five versions, five states each
        var current = states.Where(m => m.Value == 1).Select(m => $"{m.Tag("model")}:{m.Tag("version")}:{m.Tag("state")}").Order(StringComparer.Ordinal);
        Assert.Equal(["broken:1:failed", "multi:1:ready", "multi:2:ready", "multi:3:failed", "single:1:ready"], current);
        Assert.All(states, m => Assert.True(m.Value is 0 or 1));
    }

    [Fact]
    public void Observe_LoadedRegistry_ReportsLoadTimeOfEveryVersionThatWasTried()
    {
        _recorded.Observe();

        var loads = _recorded.Of(ModelMetrics.LoadDuration);
        Assert.Equal(["multi:1", "multi:2", "multi:3", "single:1"], loads.Select(m => $"{m.Tag("model")}:{m.Tag("version")}").Order(StringComparer.Ordinal));
        Assert.All(loads, m => Assert.True(m.Value > 0, $"{m.Tag("model")}:{m.Tag("version")} loaded in {m.Value} s"));
    }

    [Fact]
    public async Task Observe_RequestsWaitingAndRunning_ReportsQueueDepthAndInFlightOfReadyVersions()
    {
        var multi1 = _fixture.Registry.Resolve("multi", "1");
        using var input = InputTensor.Rent("x", TensorElementType.Float, [1, 3]);
        input.GetData<float>().Clear();
        var pipeline = new InferencePipeline();
        _fixture.Gate.Hold();
        var requests = new List<Task<InferenceResult>> { pipeline.InferAsync(multi1, [input], null, CancellationToken.None) };
        await _fixture.Gate.WaitForRunAsync(); // one running (held), two queued behind it
        requests.Add(pipeline.InferAsync(multi1, [input], null, CancellationToken.None));
        requests.Add(pipeline.InferAsync(multi1, [input], null, CancellationToken.None));
        try
        {
            _recorded.Observe();
        }
        finally
        {
            _fixture.Gate.Dispose();
            (await Task.WhenAll(requests)).ToList().ForEach(r => r.Dispose());
        }

        var depth = _recorded.Of(ModelMetrics.QueueDepth).ToDictionary(m => $"{m.Tag("model")}:{m.Tag("version")}", m => m.Value);
        Assert.Equal(new Dictionary<string, double> { ["multi:1"] = 2, ["multi:2"] = 0, ["single:1"] = 0 }, depth);
        var inFlight = _recorded.Of(ModelMetrics.InFlight).ToDictionary(m => $"{m.Tag("model")}:{m.Tag("version")}", m => m.Value);
        Assert.Equal(new Dictionary<string, double> { ["multi:1"] = 3, ["multi:2"] = 0, ["single:1"] = 0 }, inFlight);
    }

    [Fact]
    public void StateName_EveryState_IsLowerCase() =>
        Assert.Equal(["loading", "ready", "failed", "draining", "unloaded"], Enum.GetValues<ModelState>().Select(ModelMetrics.StateName));
}
