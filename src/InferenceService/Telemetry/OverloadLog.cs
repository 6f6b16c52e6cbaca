namespace InferenceService.Telemetry;

/// <summary>
/// Requests refused because the server or a model's queue was full, logged as one warning a second at most instead
/// of one event each: under overload the refusals are most of the traffic, and a log line for each would take the
/// CPU the admitted requests need. Each is still counted in <c>inference_requests_total{outcome="rejected"}</c>, and
/// logged at Debug by the request log when it got that far.
/// </summary>
internal sealed partial class OverloadLog(ILogger<OverloadLog> logger, TimeProvider time)
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);

    private long _refused;
    private long _lastReport = long.MinValue;

    /// <summary>Counts one refusal, and logs the count so far when the last line is a second old.</summary>
    public void Refused(string model, string reason)
    {
        Interlocked.Increment(ref _refused);
        var now = time.GetTimestamp();
        var last = Volatile.Read(ref _lastReport);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < s_interval)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref _lastReport, now, last) != last)
        {
            return; // another refusal is reporting
        }
        var count = Interlocked.Exchange(ref _refused, 0);
        var seconds = last == long.MinValue ? 0 : time.GetElapsedTime(last, now).TotalSeconds;
        LogRefused(logger, count, seconds, model, reason);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Refused {Count} inference requests (503, Retry-After) in the last {Seconds:F1} s because the server or a queue was full; the last: model {Model}, {Reason}")]
    private static partial void LogRefused(ILogger logger, long count, double seconds, string model, string reason);
}
