using System.Diagnostics;
using System.Diagnostics.Metrics;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Telemetry;

/// <summary>
/// What the model lifecycle does, on the service's Meter: loads (by outcome and why), unloads (by why), evictions to
/// stay within the memory budget, load time, and the memory each loaded model takes as measured at its load.
/// </summary>
public sealed class LifecycleMetrics
{
    public const string Loads = "inference.model.loads";
    public const string Unloads = "inference.model.unloads";
    public const string Evictions = "inference.model.evictions";
    public const string LoadTime = "inference.model.load.time";
    public const string LoadedBytes = "inference.model.loaded.bytes";

    /// <summary>Tag: why the lifecycle acted (startup, requested, poll, on_demand, eviction, version_policy, stopping).</summary>
    public const string ReasonTag = "reason";

    private readonly Counter<long> _loads;
    private readonly Counter<long> _unloads;
    private readonly Counter<long> _evictions;
    private readonly Histogram<double> _loadTime;
    private readonly ModelRegistry _registry;

    public LifecycleMetrics(IMeterFactory meterFactory, ModelRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _registry = registry;
        var meter = meterFactory.Create(TelemetryNames.Meter);
        _loads = meter.CreateCounter<long>(Loads, "{load}", "Model loads and reloads, by outcome (ready, failed) and reason.");
        _unloads = meter.CreateCounter<long>(Unloads, "{unload}", "Model unloads, by reason (requested, poll, eviction, stopping).");
        _evictions = meter.CreateCounter<long>(Evictions, "{model}", "Idle models unloaded to stay within ModelRepository:MemoryBudgetBytes or MaxLoadedModels.");
        _loadTime = meter.CreateHistogram<double>(LoadTime, "s", "How long a model load took (every version, warm-up included).");
        meter.CreateObservableGauge(LoadedBytes, ObserveLoadedBytes, "By", "Memory of each loaded model, as measured at its load.");
    }

    public void RecordLoad(string model, bool succeeded, string reason, TimeSpan elapsed)
    {
        var tags = new TagList { { TelemetryNames.ModelTag, model }, { TelemetryNames.OutcomeTag, succeeded ? "ready" : "failed" }, { ReasonTag, reason } };
        _loads.Add(1, tags);
        _loadTime.Record(elapsed.TotalSeconds, tags);
    }

    public void RecordUnload(string model, string reason) =>
        _unloads.Add(1, new TagList { { TelemetryNames.ModelTag, model }, { ReasonTag, reason } });

    public void RecordEviction(string model) => _evictions.Add(1, new KeyValuePair<string, object?>(TelemetryNames.ModelTag, model));

    private IEnumerable<Measurement<long>> ObserveLoadedBytes() =>
        _registry.Models.Where(m => m.LoadedBytes > 0)
            .Select(m => new Measurement<long>(m.LoadedBytes, new KeyValuePair<string, object?>(TelemetryNames.ModelTag, m.Name)));
}
