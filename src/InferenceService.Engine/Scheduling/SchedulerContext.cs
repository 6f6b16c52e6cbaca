
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

    /// <summary>
    /// Refuses a request at once (503) when no model could admit it now: the server is stopping or has its limit of
    /// requests in flight. Checked before a body is read, so that under overload a refusal costs next to nothing.
    /// </summary>
    public void ThrowIfRefusingRequests()
    {
        if (_shuttingDown)
        {
            throw ShuttingDownError();
        }
        if (Admission.Limit > 0 && Admission.Admitted >= Admission.Limit)
        {
            throw ServerFullError();
        }
    }

    internal static InferenceException ShuttingDownError() =>
        new(InferenceErrorKind.Overloaded, "The server is shutting down and takes no new requests; retry on another replica.");

    internal InferenceException ServerFullError() =>
        new(InferenceErrorKind.Overloaded, $"The server has {Admission.Limit} requests in flight, its limit; retry later.");
}
