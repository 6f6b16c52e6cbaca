using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace InferenceService.OnnxRuntime.Native;

/// <summary>
/// Routes ONNX Runtime's log messages (its <c>OrtLoggingFunction</c> callback) into Microsoft.Extensions.Logging.
/// The callback is a static, unmanaged-callable method, so nothing needs to be kept alive for the native side.
/// </summary>
internal static unsafe partial class OrtLogBridge
{
    private static volatile ILogger? s_logger;

    public static ILogger? Logger
    {
        get => s_logger;
        set => s_logger = value;
    }

    public static delegate* unmanaged<IntPtr, int, byte*, byte*, byte*, byte*, void> Callback => &Log;

    [UnmanagedCallersOnly]
    private static void Log(IntPtr param, int severity, byte* category, byte* logId, byte* codeLocation, byte* message)
    {
        // An exception must never cross back into native code: a broken logger loses the message, not the process.
        try
        {
            var logger = s_logger;
            var level = ToLogLevel(severity);
            if (logger is null || !logger.IsEnabled(level))
            {
                return;
            }
            WriteMessage(logger, level, Utf8.Read(logId), Utf8.Read(category), Utf8.Read(codeLocation), Utf8.Read(message));
        }
        catch (Exception)
        {
            // Deliberately swallowed: see above.
        }
    }

    private static LogLevel ToLogLevel(int severity) => (OrtLogLevel)severity switch
    {
        OrtLogLevel.Verbose => LogLevel.Trace,
        OrtLogLevel.Info => LogLevel.Information,
        OrtLogLevel.Warning => LogLevel.Warning,
        OrtLogLevel.Error => LogLevel.Error,
        _ => LogLevel.Critical,
    };

    // OrtLogId says whose message it is: the environment's log id, a session's SessionOptions.LogId, or for a run
    // "session log id:run tag" (RunOptions.Tag).
    [LoggerMessage(EventId = 1, Message = "[{OrtLogId}] [{OrtCategory}] {OrtMessage} ({OrtCodeLocation})")]
    private static partial void WriteMessage(ILogger logger, LogLevel level, string ortLogId, string ortCategory, string ortCodeLocation, string ortMessage);
}
