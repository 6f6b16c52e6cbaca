using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Extensions.Logging;

namespace InferenceService.Telemetry;

/// <summary>
/// Logging through Serilog, behind Microsoft.Extensions.Logging. Levels, overrides and any extra sinks come from the
/// "Serilog" configuration section; the console's format from <c>Logs:Format</c>: <c>text</c> (a line a human reads,
/// for development) or <c>json</c> (one JSON object per line, for containers; see <see cref="JsonLogFormatter"/>).
/// Sinks registered as <see cref="ILogEventSink"/> services are written to as well.
/// </summary>
internal static class LoggingSetup
{
    public const string FormatKey = "Logs:Format";

    public const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static ILoggingBuilder AddInferenceLogging(this ILoggingBuilder logging)
    {
        logging.ClearProviders();
        // Built from the container, so that configuration and sinks added by whoever builds the host are all seen.
        logging.Services.AddSingleton<ILoggerProvider>(services => new SerilogLoggerProvider(
            CreateLogger(services.GetRequiredService<IConfiguration>(), services.GetServices<ILogEventSink>()), dispose: true));
        // Serilog's levels decide; the framework's default filter (Information) would otherwise drop Debug events first.
        logging.AddFilter<SerilogLoggerProvider>(null, LogLevel.Trace);
        return logging;
    }

    public static Serilog.Core.Logger CreateLogger(IConfiguration configuration, IEnumerable<ILogEventSink> sinks)
    {
        var logger = new LoggerConfiguration().ReadFrom.Configuration(configuration).Enrich.FromLogContext();
        var format = configuration[FormatKey];
        if (string.IsNullOrEmpty(format) || string.Equals(format, "text", StringComparison.OrdinalIgnoreCase))
        {
            logger.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: CultureInfo.InvariantCulture);
        }
        else if (string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            logger.WriteTo.Console(new JsonLogFormatter());
        }
        else
        {
            throw new InvalidOperationException($"{FormatKey} is \"{format}\"; it must be \"text\" or \"json\".");
        }
        foreach (var sink in sinks)
        {
            logger.WriteTo.Sink(sink);
        }
        return logger.CreateLogger();
    }
}
