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
        OutputPositions = [.. Enumerable.Range(0, Outputs.Count)];
        VersionText = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        InputNames = string.Join(", ", Inputs.Select(i => i.Name));
        OutputNames = string.Join(", ", Outputs.Select(o => o.Name));
        scheduling ??= SchedulerContext.CreateDefault();
        Scheduler = new DynamicBatchScheduler(this, sessions.Sessions, BatchingPolicy.From(config, scheduling.Options), scheduling);
    }

    public string Name { get; }

    public long Version { get; }

    /// <summary>The version as the protocol writes it ("2"), made once rather than per answer.</summary>
    public string VersionText { get; }

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

    /// <summary>0, 1, … for each output: the positions of "every output, in the model's order", shared by every request that asks for all.</summary>
    internal int[] OutputPositions { get; }

    /// <summary>The inputs' names, comma-separated, for messages.</summary>
    public string InputNames { get; }

    /// <summary>The outputs' names, comma-separated, for messages.</summary>
    public string OutputNames { get; }

    /// <summary>The places held in this version's queue by requests admitted at the door and not yet queued.</summary>
    internal ModelDoor Door { get; } = new();

    public TensorInfo? FindInput(string name)
    {
        var index = IndexOfInput(name);
        return index < 0 ? null : Inputs[index];
    }

    public TensorInfo? FindOutput(string name)
    {
        var index = IndexOfOutput(name);
        return index < 0 ? null : Outputs[index];
    }

    /// <summary>The position of the input named <paramref name="name"/> in the model's order, or -1.</summary>
    public int IndexOfInput(string name)
    {
        for (var i = 0; i < Inputs.Count; i++)
        {
            if (string.Equals(Inputs[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The position of the output named <paramref name="name"/> in the model's order, or -1.</summary>
    public int IndexOfOutput(string name)
    {
        for (var i = 0; i < Outputs.Count; i++)
        {
            if (string.Equals(Outputs[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Finishes the queued requests, then releases the sessions.</summary>
    public void Dispose()
    {
        Scheduler.Dispose();
        Sessions.Dispose();
    }
}
