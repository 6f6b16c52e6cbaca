using InferenceService.Engine.Scheduling;
using Microsoft.Extensions.Options;

namespace InferenceService.Hosting;

/// <summary>
/// Takes the server out of service without a client noticing. SIGTERM (see <see cref="DrainingConsoleLifetime"/>)
/// begins the drain: readiness answers 503 at once (see <c>Readiness</c>), the schedulers refuse new requests (503 with
/// Retry-After) while admitted ones run to the end, and every answer from then on closes its connection (see
/// <see cref="ConnectionDrainingMiddleware"/>), so that keep-alive clients, which an endpoints update does not move,
/// reconnect elsewhere instead of finding their connection gone. The listener still accepts and answers. Once
/// <c>Server:DrainDelaySeconds</c> have passed the host stops: Kestrel stops accepting, closes idle connections
/// gracefully (HTTP/2: GOAWAY) and waits for the requests in progress, up to <c>HostOptions:ShutdownTimeout</c>
/// (<c>shutdownTimeoutSeconds</c>), before the model sessions are released with the process.
/// A stop that does not come from SIGTERM (Ctrl+C, the host stopped by code) refuses in the same way, without the delay.
/// </summary>
internal sealed partial class GracefulShutdown(
    SchedulerContext scheduling,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    IOptions<DrainOptions> options,
    ILogger<GracefulShutdown> logger) : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private volatile bool _draining;
    private ITimer? _drainTimer;
    private CancellationTokenRegistration _stopping;

    /// <summary>
    /// Whether the server is out of service (draining or stopping): readiness is 503, new requests are refused and
    /// every answer closes its connection.
    /// </summary>
    public bool IsDraining => _draining;

    public TimeSpan DrainDelay => options.Value.DrainDelay;

    /// <summary>
    /// Begins the drain (on SIGTERM) and stops the host once the drain delay has passed, on the service's clock. Calls
    /// after the first, or once the host is stopping, change nothing.
    /// </summary>
    public void BeginDrain()
    {
        var delay = DrainDelay;
        if (!TryTakeOutOfService())
        {
            return;
        }
        LogDraining(logger, scheduling.Admission.Admitted, delay.TotalSeconds);
        if (delay <= TimeSpan.Zero)
        {
            lifetime.StopApplication();
            return;
        }
        lock (_gate)
        {
            _drainTimer = time.CreateTimer(static state => ((GracefulShutdown)state!).EndDrain(), this, delay, Timeout.InfiniteTimeSpan);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(static state => ((GracefulShutdown)state!).OnStopping(), this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _stopping.Dispose();
        lock (_gate)
        {
            _drainTimer?.Dispose();
            _drainTimer = null;
        }
    }

    private void EndDrain()
    {
        LogDrainOver(logger, scheduling.Admission.Admitted);
        lifetime.StopApplication();
    }

    /// <summary>The host is stopping: at the end of the drain, or at once for a stop that skipped it.</summary>
    private void OnStopping()
    {
        lock (_gate)
        {
            // Ctrl+C during the drain ends it early; the host is stopping anyway.
            _drainTimer?.Dispose();
            _drainTimer = null;
        }
        if (TryTakeOutOfService())
        {
            LogStopping(logger, scheduling.Admission.Admitted);
        }
    }

    private bool TryTakeOutOfService()
    {
        lock (_gate)
        {
            if (_draining)
            {
                return false;
            }
            // Before the schedulers refuse: an answer refused for the shutdown always sees IsDraining and closes.
            _draining = true;
        }
        scheduling.BeginShutdown();
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGTERM: draining for {DrainDelaySeconds} s: readiness answers 503, new requests are refused and answers close their connections; {Admitted} admitted requests are finishing")]
    private static partial void LogDraining(ILogger logger, int admitted, double drainDelaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drain over: the listener closes, idle connections are closed; {Admitted} admitted requests are finishing")]
    private static partial void LogDrainOver(ILogger logger, int admitted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: new requests are refused; {Admitted} admitted requests are finishing")]
    private static partial void LogStopping(ILogger logger, int admitted);
}
