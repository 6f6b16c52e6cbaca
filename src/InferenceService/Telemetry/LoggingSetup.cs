using Serilog;

namespace InferenceService.Telemetry;

/// <summary>
/// Logging through Serilog (Serilog.AspNetCore), in place of Microsoft.Extensions.Logging's providers. Levels,
/// overrides and any extra sinks come from the "Serilog" configuration section; the console's format from
/// <c>Logs:Format</c> (see <see cref="LogFormats"/>), written by a background thread. Sinks, enrichers and filters registered as services
/// (<c>ILogEventSink</c>, ...) are used as well.
/// </summary>
internal static class LoggingSetup
{
    public const string FormatKey = "Logs:Format";

    public static IServiceCollection AddInferenceLogging(this IServiceCollection services) =>
        // preserveStaticLogger: the host owns its logger and disposes it; Serilog's static Log.Logger is left alone, so
        // hosts side by side in one process (the API tests) neither share a logger nor close each other's.
        services.AddSerilog((provider, logger) =>
        {
            var configuration = provider.GetRequiredService<IConfiguration>();
            logger.ReadFrom.Configuration(configuration)
                .ReadFrom.Services(provider)
                .Enrich.FromLogContext()
                // The console on a thread of its own (Serilog.Sinks.Async): a request hands its event over and goes on,
                // instead of formatting and writing it under the console's lock, one write to stdout per line, while the
                // other requests wait for that lock. Events beyond a full buffer (10,000) are dropped, never waited for;
                // the host's disposal of the logger writes out what is buffered.
                .WriteTo.Async(console => console.Console(LogFormats.For(configuration[FormatKey])), blockWhenFull: false);
        }, preserveStaticLogger: true);
}
