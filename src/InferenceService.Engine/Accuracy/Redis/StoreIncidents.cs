using Microsoft.Extensions.Logging;

namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>
/// Whether the store is reachable, so that an outage is logged once when it starts and once when it ends, however
/// many writes and requests fail in between.
/// </summary>
internal sealed class StoreIncidents(ILogger logger, TimeProvider time)
{
    private readonly Lock _gate = new();
    private bool _down;
    private DateTimeOffset _since;
    private long _failed;

    public bool IsDown
    {
        get
        {
            lock (_gate)
            {
                return _down;
            }
        }
    }

    public void Failed(Exception error, long writes) => Failed(Describe(error), writes);

    public void Failed(string problem, long writes)
    {
        lock (_gate)
        {
            _failed += writes;
            if (_down)
            {
                return;
            }
            _down = true;
            _since = time.GetUtcNow();
        }
        RedisAccuracyLog.Unreachable(logger, problem);
    }

    public void Succeeded()
    {
        double seconds;
        long failed;
        lock (_gate)
        {
            if (!_down)
            {
                return;
            }
            _down = false;
            seconds = (time.GetUtcNow() - _since).TotalSeconds;
            failed = _failed;
            _failed = 0;
        }
        RedisAccuracyLog.Reachable(logger, seconds, failed);
    }

    /// <summary>The kind of problem, without the client library's long diagnostic text.</summary>
    public static string Describe(Exception error) => error switch
    {
        TimeoutException or StackExchange.Redis.RedisTimeoutException => "timed out",
        StackExchange.Redis.RedisConnectionException => "no connection",
        _ => "the store answered with an error",
    };
}
