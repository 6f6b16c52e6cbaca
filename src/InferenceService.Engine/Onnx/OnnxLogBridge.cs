using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Onnx;

/// <summary>
/// Routes ONNX Runtime's log (the environment's logging callback) into Microsoft.Extensions.Logging, category
/// <c>OnnxRuntime</c>. The logger can be replaced at any time (each host of a test run brings its own); the callback
/// is created once, because ONNX Runtime keeps calling the one it was given for the life of the process.
/// </summary>
internal static partial class OnnxLogBridge
{
    private static volatile ILogger? s_logger;

    public static ILogger? Logger
    {
        get => s_logger;
        set => s_logger = value;
    }

    /// <summary>The callback handed to ONNX Runtime; a static field so the delegate is never collected.</summary>
    public static readonly DOrtLoggingFunction Callback = Log;

    private static void Log(IntPtr param, OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        // An exception must never cross back into native code: a broken logger loses the message, not the process.
        try
        {
            var logger = s_logger;
            var level = ToLogLevel(severity);
            if (logger is not null && logger.IsEnabled(level))
            {
                WriteMessage(logger, level, logId, category, codeLocation, message);
            }
        }
        catch (Exception)
        {
            // Deliberately swallowed: see above.
        }
    }

    internal static LogLevel ToLogLevel(OrtLoggingLevel severity) => severity switch
    {
        OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE => LogLevel.Trace,
        OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO => LogLevel.Information,
        OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING => LogLevel.Warning,
        OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR => LogLevel.Error,
        _ => LogLevel.Critical,
    };

    // OrtLogId says whose message it is: the environment's log id, or a session's log id (the model and version).
    [LoggerMessage(EventId = 1, Message = "[{OrtLogId}] [{OrtCategory}] {OrtMessage} ({OrtCodeLocation})")]
    private static partial void WriteMessage(ILogger logger, LogLevel level, string ortLogId, string ortCategory, string ortCodeLocation, string ortMessage);
}
