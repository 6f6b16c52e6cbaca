using System.Diagnostics.Metrics;
using System.Globalization;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Telemetry;

/// <summary>
/// The state of every model version, read from the registry each time metrics are collected: lifecycle state, load
/// time, and the requests waiting and in flight. Nothing is stored here, so the numbers cannot drift from the registry.
/// </summary>
public sealed class ModelMetrics
{
    public const string QueueDepth = "inference.queue.depth";
    public const string InFlight = "inference.in_flight";
    public const string State = "inference.model.state";
    public const string LoadDuration = "inference.model.load.duration";

    private static readonly ModelState[] s_states = Enum.GetValues<ModelState>();

    private readonly ModelRegistry _registry;

    public ModelMetrics(IMeterFactory meterFactory, ModelRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _registry = registry;
        var meter = meterFactory.Create(TelemetryNames.Meter);
        meter.CreateObservableUpDownCounter(QueueDepth, ObserveQueueDepth, "{request}", "Requests admitted and waiting for a Run.");
        meter.CreateObservableUpDownCounter(InFlight, ObserveInFlight, "{request}", "Requests admitted and not yet answered: waiting or running.");
        meter.CreateObservableGauge(State, ObserveStates, unit: null, "1 for the state a model version is in, 0 for the others (state: loading, ready, failed, draining, unloaded).");
        meter.CreateObservableGauge(LoadDuration, ObserveLoadDurations, "s", "How long the last load of a model version took, whether it succeeded or failed.");
    }

    /// <summary>The lower-case name of a state, as the <c>state</c> tag carries it.</summary>
    public static string StateName(ModelState state) => state.ToString().ToLowerInvariant();

    private IEnumerable<Measurement<int>> ObserveQueueDepth() =>
        ReadyModels().Select(m => new Measurement<int>(m.QueueDepth, Tags(m.Name, m.Version)));

    private IEnumerable<Measurement<int>> ObserveInFlight() =>
        ReadyModels().Select(m => new Measurement<int>(m.InFlight, Tags(m.Name, m.Version)));

    private IEnumerable<Measurement<int>> ObserveStates()
    {
        foreach (var model in _registry.Models)
        {
            foreach (var version in model.Versions)
            {
                foreach (var state in s_states)
                {
                    KeyValuePair<string, object?>[] tags =
                    [
                        new(TelemetryNames.ModelTag, model.Name),
                        new(TelemetryNames.VersionTag, version.Version.ToString(CultureInfo.InvariantCulture)),
                        new(TelemetryNames.StateTag, StateName(state)),
                    ];
                    yield return new Measurement<int>(version.State == state ? 1 : 0, tags);
                }
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveLoadDurations() =>
        from model in _registry.Models
        from version in model.Versions
        where version.LoadDuration is not null
        select new Measurement<double>(version.LoadDuration!.Value.TotalSeconds, Tags(model.Name, version.Version));

    private IEnumerable<LoadedModel> ReadyModels() =>
        _registry.Models.SelectMany(m => m.Versions).Select(v => v.Model).OfType<LoadedModel>();

    private static KeyValuePair<string, object?>[] Tags(string model, long version) =>
    [
        new(TelemetryNames.ModelTag, model),
        new(TelemetryNames.VersionTag, version.ToString(CultureInfo.InvariantCulture)),
    ];
}
