using InferenceService.Engine.Repository;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Onnx;

namespace InferenceService.Engine.Serving;

/// <summary>
/// One model version, loaded, warmed up and ready to serve. Immutable: a reload builds a new one and swaps it in,
/// so a request that resolved this object keeps a consistent view for its whole life.
/// </summary>
public sealed class LoadedModel : IDisposable
{
    public LoadedModel(
        string name,
        long version,
        ModelConfig config,
        SessionPool sessions,
        IReadOnlyDictionary<string, IReadOnlyList<string>> labels,
        SchedulerContext? scheduling = null)
    {
        Name = name;
        Version = version;
        Config = config;
        Sessions = sessions;
        Labels = labels;
        var first = sessions.Sessions[0];
        Inputs = first.Inputs;
        Outputs = first.Outputs;
        Metadata = first.Metadata;
        ExecutionProviders = first.ExecutionProviders;
        FallbackReasons = first.FallbackReasons;
        InputPositions = [.. Enumerable.Range(0, Inputs.Count)];
        scheduling ??= SchedulerContext.CreateDefault();
        Scheduler = new DynamicBatchScheduler(this, sessions.Sessions, BatchingPolicy.From(config, scheduling.Options), scheduling);
    }

    public string Name { get; }

    public long Version { get; }

    public ModelConfig Config { get; }

    public SessionPool Sessions { get; }

    public IReadOnlyList<TensorInfo> Inputs { get; }

    public IReadOnlyList<TensorInfo> Outputs { get; }

    public ModelMetadata Metadata { get; }

    /// <summary>Class names by output name, for outputs whose configuration names a label file.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Labels { get; }

    /// <summary>The execution providers the sessions use (CPU last); see <see cref="FallbackReasons"/> for any GPU fallback.</summary>
    public IReadOnlyList<string> ExecutionProviders { get; }

    public IReadOnlyList<string> FallbackReasons { get; }

    /// <summary>The queue and batcher in front of the sessions: every Run of this version goes through it.</summary>
    public DynamicBatchScheduler Scheduler { get; }

    /// <summary>Requests admitted and waiting for a Run.</summary>
    public int QueueDepth => Scheduler.QueueDepth;

    /// <summary>Requests admitted and not yet answered: waiting or running.</summary>
    public int InFlight => Scheduler.InFlight;

    /// <summary>0, 1, … for each input: requests hand their inputs over in the model's order.</summary>
    internal int[] InputPositions { get; }

    public TensorInfo? FindInput(string name) => Inputs.FirstOrDefault(i => i.Name == name);

    public TensorInfo? FindOutput(string name) => Outputs.FirstOrDefault(o => o.Name == name);

    /// <summary>Finishes the queued requests, then releases the sessions.</summary>
    public void Dispose()
    {
        Scheduler.Dispose();
        Sessions.Dispose();
    }
}
