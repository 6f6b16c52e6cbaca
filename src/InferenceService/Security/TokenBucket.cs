using System.Threading.RateLimiting;

namespace InferenceService.Security;

/// <summary>
/// A token bucket as a <see cref="RateLimiter"/> (System.Threading.RateLimiting's abstraction) whose time is a
/// <see cref="TimeProvider"/>: the framework's TokenBucketRateLimiter reads the stopwatch and refills on its own
/// timer, so tests could only wait for it; this one refills from the elapsed time whenever it is asked, with no timer.
/// A refused lease carries <see cref="MetadataName.RetryAfter"/>: when the permits asked for will be there.
/// An ask for more permits than the bucket holds is granted once the bucket is full and leaves it in debt, so a
/// batch larger than the burst is slowed to the rate instead of refused for ever.
/// </summary>
internal sealed class TokenBucket : RateLimiter
{
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _capacity;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _last;
    private long _successful;
    private long _failed;

    public TokenBucket(double perSecond, int capacity, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _time = time;
        _perSecond = perSecond;
        _capacity = capacity;
        _tokens = capacity;
        _last = time.GetTimestamp();
    }

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _tokens >= _capacity ? TimeSpan.Zero : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Refill();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = (long)Math.Floor(_tokens),
                CurrentQueuedCount = 0,
                TotalSuccessfulLeases = _successful,
                TotalFailedLeases = _failed,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        lock (_lock)
        {
            Refill();
            var needed = Math.Min(Math.Max(permitCount, 1), _capacity);
            if (_tokens >= needed)
            {
                _tokens -= permitCount;
                _successful++;
                return QuotaLease.Granted;
            }
            _failed++;
            return QuotaLease.Refused(TimeSpan.FromSeconds((needed - _tokens) / _perSecond));
        }
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lease = AttemptAcquireCore(permitCount);
            if (lease.IsAcquired)
            {
                return lease;
            }
            lease.TryGetMetadata(MetadataName.RetryAfter, out var wait);
            lease.Dispose();
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_last, now).TotalSeconds;
        _last = now;
        _tokens = Math.Min(_capacity, _tokens + (elapsed * _perSecond));
    }
}

/// <summary>The leases of <see cref="TokenBucket"/>: granted ones hold nothing to give back; refused ones say when to retry.</summary>
internal sealed class QuotaLease : RateLimitLease
{
    public static readonly QuotaLease Granted = new(true, null);

    private static readonly string[] s_retryAfterNames = [MetadataName.RetryAfter.Name];

    private readonly TimeSpan? _retryAfter;

    private QuotaLease(bool acquired, TimeSpan? retryAfter)
    {
        IsAcquired = acquired;
        _retryAfter = retryAfter;
    }

    public override bool IsAcquired { get; }

    public override IEnumerable<string> MetadataNames => _retryAfter is null ? [] : s_retryAfterNames;

    public static QuotaLease Refused(TimeSpan retryAfter) => new(false, retryAfter);

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (_retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
        {
            metadata = wait;
            return true;
        }
        metadata = null;
        return false;
    }
}
