using InferenceService.Engine.Repository;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Scheduling;

namespace InferenceService.Engine.Serving;

/// <summary>
/// One model version, loaded, warmed up and ready to serve. Immutable: a reload builds a new one and swaps it in,
/// so a request that resolved this object keeps a consistent view for its whole life.
/// <para>
/// Its users are counted (<see cref="TryEnter"/>, <see cref="Exit"/>): a request holds the version from the moment it
/// resolved it until its answer is written. The count and the stopped mark share one word, so a version can be stopped
/// only when it has no user (<see cref="TryStop"/>), and no user can enter once it is stopped; that is how a drain
/// knows every admitted request finished, and how an eviction never takes a version with requests in flight.
/// </para>
/// </summary>
public sealed class LoadedModel : ScheduledModel, IDisposable
{
    private const int Stopped = 1 << 30;

    private int _users;
    private long _lastUsed = System.Diagnostics.Stopwatch.GetTimestamp();
    private DynamicBatchScheduler? _scheduler;
    private int _disposed;

    /// <summary>
    /// A version over its <paramref name="sessions"/>; its scheduler is attached by whoever builds it
    /// (<see cref="AttachScheduler"/>), before it is published.
    /// </summary>
    public LoadedModel(
        string name,
        long version,
        ModelConfig config,
        SessionPool sessions,
        IReadOnlyDictionary<string, IReadOnlyList<string>> labels)
        : base(name, version, sessions.Sessions[0].Inputs.Count)
    {
        Config = config;
        Sessions = sessions;
        Labels = labels;
        var first = sessions.Sessions[0];
        Inputs = first.Inputs;
        Outputs = first.Outputs;
        Metadata = first.Metadata;
        ExecutionProviders = first.ExecutionProviders;
        FallbackReasons = first.FallbackReasons;
        OutputPositions = [.. Enumerable.Range(0, Outputs.Count)];
        InputNames = string.Join(", ", Inputs.Select(i => i.Name));
        OutputNames = string.Join(", ", Outputs.Select(o => o.Name));
    }

    /// <summary>
    /// A version with a scheduler made here over its sessions, for tools and tests that load one version by hand; the
    /// loader builds the scheduler itself and attaches it.
    /// </summary>
    public static LoadedModel WithScheduler(
        string name,
        long version,
        ModelConfig config,
        SessionPool sessions,
        IReadOnlyDictionary<string, IReadOnlyList<string>> labels,
        SchedulerContext? scheduling = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        var model = new LoadedModel(name, version, config, sessions, labels);
        scheduling ??= SchedulerContext.CreateDefault();
        model.AttachScheduler(new DynamicBatchScheduler(model, sessions.Sessions, BatchingPolicy.From(config, scheduling.Options), scheduling));
        return model;
    }

    /// <summary>Hands the version its scheduler, once; the version owns it from then on and disposes it before its sessions.</summary>
    public void AttachScheduler(DynamicBatchScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        if (Interlocked.CompareExchange(ref _scheduler, scheduler, null) is not null)
        {
            throw new InvalidOperationException($"Model '{Name}' version {Version} already has a scheduler.");
        }
    }

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
    public DynamicBatchScheduler Scheduler => _scheduler ?? throw new InvalidOperationException($"Model '{Name}' version {Version} has no scheduler yet.");

    /// <summary>When the load finished (ready), on the lifecycle's clock; default for a version loaded by hand.</summary>
    public DateTimeOffset LoadedAt { get; init; }

    /// <summary>How long loading and warming it up took.</summary>
    public TimeSpan LoadDuration { get; init; }

    /// <summary>The memory its load took, as measured (the process's resident memory grew by at least its model file's size).</summary>
    public long MemoryBytes { get; init; }

    /// <summary>What its files and configuration were when it was loaded: a reload rebuilds the version only when this changed.</summary>
    public string Fingerprint { get; init; } = "";

    /// <summary>Requests holding the version now (resolved, not yet answered).</summary>
    public int Users => Volatile.Read(ref _users) & ~Stopped;

    /// <summary>Whether the version has been stopped: it takes no new user.</summary>
    public bool IsStopped => (Volatile.Read(ref _users) & Stopped) != 0;

    /// <summary>When a request last entered it (a <see cref="System.Diagnostics.Stopwatch"/> timestamp): the least recently used idle version is evicted first.</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    /// <summary>
    /// Holds the version for one request until <see cref="Exit"/>; false once it is stopped (unloaded or evicted), when
    /// the caller resolves the model again.
    /// </summary>
    public bool TryEnter()
    {
        while (true)
        {
            var users = Volatile.Read(ref _users);
            if ((users & Stopped) != 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _users, users + 1, users) == users)
            {
                Volatile.Write(ref _lastUsed, System.Diagnostics.Stopwatch.GetTimestamp());
                return true;
            }
        }
    }

    /// <summary>Lets go of the version after <see cref="TryEnter"/>.</summary>
    public void Exit() => Interlocked.Decrement(ref _users);

    /// <summary>Stops the version if no request holds it; from then on <see cref="TryEnter"/> fails.</summary>
    public bool TryStop() => Interlocked.CompareExchange(ref _users, Stopped, 0) == 0;

    /// <summary>Stops the version whatever holds it (a drain that ran out of time).</summary>
    public void ForceStop() => Interlocked.Or(ref _users, Stopped);

    /// <summary>Takes users again after a <see cref="TryStop"/> that turned out not to be needed (an eviction that found another version of the model busy).</summary>
    public void Resume() => Interlocked.And(ref _users, ~Stopped);

    /// <summary>Requests admitted and waiting for a Run.</summary>
    public int QueueDepth => Scheduler.QueueDepth;

    /// <summary>Requests admitted and not yet answered: waiting or running.</summary>
    public int InFlight => Scheduler.InFlight;

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
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        ForceStop();
        _scheduler?.Dispose();
        Sessions.Dispose();
    }
}
