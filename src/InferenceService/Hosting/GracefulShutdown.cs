using InferenceService.Engine.Scheduling;

namespace InferenceService.Hosting;

/// <summary>
/// Turns new requests away the moment the host is asked to stop (SIGTERM), while those already admitted run to the
/// end: readiness answers 503 from then on (see <c>Readiness</c>), the schedulers refuse new requests with 503, and
/// Kestrel waits for the requests in progress (up to <c>HostOptions:ShutdownTimeout</c>) before the model sessions
/// are released with the container.
/// </summary>
internal sealed partial class GracefulShutdown(IHostApplicationLifetime lifetime, SchedulerContext scheduling, ILogger<GracefulShutdown> logger) : IHostedService
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(() =>
        {
            scheduling.BeginShutdown();
            LogDraining(logger, scheduling.Admission.Admitted);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: new requests are refused; {Admitted} admitted requests are finishing")]
    private static partial void LogDraining(ILogger logger, int admitted);
}
