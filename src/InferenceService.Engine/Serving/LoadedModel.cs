using InferenceService.Engine.Repository;
using InferenceService.OnnxRuntime;

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
        IReadOnlyDictionary<string, IReadOnlyList<string>> labels)
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

    /// <summary>Requests admitted and waiting for a Run.</summary>
    public int QueueDepth => Volatile.Read(ref _queueDepth);

    /// <summary>Requests admitted and not yet answered: waiting or running.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    internal int _queueDepth;
    internal int _inFlight;

    public TensorInfo? FindInput(string name) => Inputs.FirstOrDefault(i => i.Name == name);

    public TensorInfo? FindOutput(string name) => Outputs.FirstOrDefault(o => o.Name == name);

    public void Dispose() => Sessions.Dispose();
}
