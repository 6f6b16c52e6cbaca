namespace InferenceService.Security;

/// <summary>
/// The security door's refusals, which end before the request log sees them: each 401 and 403 as a warning (a
/// caller without the access it expects, or someone probing), at most one line a second for each kind with the
/// count since the last, so a flood of them cannot flood the log; 429s likewise. Keys never appear: the key's id
/// does, or "anonymous".
/// </summary>
internal sealed partial class SecurityLog(ILogger<SecurityLog> logger, TimeProvider time)
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);

    private readonly Throttle _unauthenticated = new();
    private readonly Throttle _forbidden = new();
    private readonly Throttle _overQuota = new();

    public void Unauthenticated(string route, string reason)
    {
        if (_unauthenticated.ShouldLog(time, out var count))
        {
            LogUnauthenticated(logger, count, route, reason);
        }
    }

    public void Forbidden(string? keyId, string route, string scope)
    {
        if (_forbidden.ShouldLog(time, out var count))
        {
            LogForbidden(logger, count, keyId ?? "anonymous", route, scope);
        }
    }

    public void OverQuota(string? keyId, string route, string limit)
    {
        if (_overQuota.ShouldLog(time, out var count))
        {
            LogOverQuota(logger, count, keyId ?? "anonymous", route, limit);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Count} request(s) with 401; the last: {Route}, {Reason}")]
    private static partial void LogUnauthenticated(ILogger logger, long count, string route, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Count} request(s) with 403; the last: key {KeyId} lacks scope {Scope} for {Route}")]
    private static partial void LogForbidden(ILogger logger, long count, string keyId, string route, string scope);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Count} request(s) with 429; the last: key {KeyId} over its {Limit} quota on {Route}")]
    private static partial void LogOverQuota(ILogger logger, long count, string keyId, string route, string limit);

    /// <summary>One line a second at most, carrying the number of events since the last line.</summary>
    private sealed class Throttle
    {
        private long _count;
        private long _last = long.MinValue;

        public bool ShouldLog(TimeProvider time, out long count)
        {
            Interlocked.Increment(ref _count);
            var now = time.GetTimestamp();
            var last = Volatile.Read(ref _last);
            count = 0;
            if (last != long.MinValue && time.GetElapsedTime(last, now) < s_interval)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _last, now, last) != last)
            {
                return false;
            }
            count = Interlocked.Exchange(ref _count, 0);
            return true;
        }
    }
}
