namespace InferenceService.Engine.Scheduling;

/// <summary>
/// What every model version's scheduler shares: the server-wide settings and admission limit, the clock, the batch
/// observer, and the shutdown switch that turns new requests away while admitted ones finish.
/// </summary>
public sealed class SchedulerContext(SchedulingOptions options, TimeProvider time, IBatchObserver? observer = null)
{
    private volatile bool _shuttingDown;

    /// <summary>Defaults for tests and tools: the default settings, the system clock, no observer.</summary>
    public static SchedulerContext CreateDefault() => new(new SchedulingOptions(), TimeProvider.System);

    public SchedulingOptions Options { get; } = options;

    public TimeProvider Time { get; } = time;

    public IBatchObserver? Observer { get; } = observer;

    public AdmissionLimiter Admission { get; } = new(options.MaxInFlightRequests);

    /// <summary>Whether the server is stopping: requests not yet admitted are refused (503).</summary>
    public bool ShuttingDown => _shuttingDown;

    /// <summary>Refuses every request from now on; those already admitted still run to the end.</summary>
    public void BeginShutdown() => _shuttingDown = true;
}
