using Microsoft.Extensions.Logging;

namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>The shared accuracy store's log lines: one when it becomes unreachable, one when it is back.</summary>
internal static partial class RedisAccuracyLog
{
    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning,
        Message = "The shared accuracy store cannot be reached ({Problem}): predictions are answered but not kept for feedback, and feedback and accuracy reports answer 503, until it is back.")]
    public static partial void Unreachable(ILogger logger, string problem);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Information,
        Message = "The shared accuracy store is reachable again after {Seconds:F1} s; {Failed} writes were lost meanwhile.")]
    public static partial void Reachable(ILogger logger, double seconds, long failed);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Information,
        Message = "Accuracy state is shared through Redis: predictions kept {TimeToLive} (at most {Capacity}), gauges refreshed every {Refresh}.")]
    public static partial void Started(ILogger logger, TimeSpan timeToLive, int capacity, TimeSpan refresh);
}
