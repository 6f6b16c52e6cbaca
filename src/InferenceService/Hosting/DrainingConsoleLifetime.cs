using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace InferenceService.Hosting;

/// <summary>
/// .NET's console lifetime, except for SIGTERM. As <c>ConsoleLifetime</c> does, SIGINT (Ctrl+C) and SIGQUIT stop the
/// host at once and the host's status messages are logged (category <c>Microsoft.Hosting.Lifetime</c>). SIGTERM, the
/// signal Kubernetes and Docker stop a container with, begins <see cref="GracefulShutdown"/>'s drain instead, which
/// stops the host when it is over. .NET's lifetime cannot be told to wait, and a hosted service cannot tell a signal
/// from a stop asked by code, hence this replacement (registered after the default, so it is the one the host uses).
/// </summary>
internal sealed partial class DrainingConsoleLifetime(
    IHostApplicationLifetime lifetime,
    GracefulShutdown shutdown,
    IHostEnvironment environment,
    IOptions<ConsoleLifetimeOptions> options,
    ILoggerFactory loggers) : IHostLifetime, IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger("Microsoft.Hosting.Lifetime");
    private readonly List<IDisposable> _registrations = [];

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.SuppressStatusMessages)
        {
            _registrations.Add(lifetime.ApplicationStarted.Register(static state => ((DrainingConsoleLifetime)state!).OnStarted(), this));
            _registrations.Add(lifetime.ApplicationStopping.Register(static state => LogStopping(((DrainingConsoleLifetime)state!)._logger), this));
        }
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, StopNow));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGQUIT, StopNow));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Drain));
        // A console application starts at once.
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _registrations.Clear();
    }

    private void StopNow(PosixSignalContext context)
    {
        // Handled here: the runtime does not end the process; the host stops and Main returns.
        context.Cancel = true;
        lifetime.StopApplication();
    }

    private void Drain(PosixSignalContext context)
    {
        context.Cancel = true;
        shutdown.BeginDrain();
    }

    private void OnStarted()
    {
        LogStarted(_logger);
        LogEnvironment(_logger, environment.EnvironmentName);
        LogContentRoot(_logger, environment.ContentRootPath);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Application started. Press Ctrl+C to shut down.")]
    private static partial void LogStarted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hosting environment: {EnvName}")]
    private static partial void LogEnvironment(ILogger logger, string envName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Content root path: {ContentRoot}")]
    private static partial void LogContentRoot(ILogger logger, string contentRoot);

    [LoggerMessage(Level = LogLevel.Information, Message = "Application is shutting down...")]
    private static partial void LogStopping(ILogger logger);
}
