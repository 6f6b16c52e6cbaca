using System.Threading.RateLimiting;

namespace InferenceService.Security;

/// <summary>
/// The limiters of one client (an API key, or every anonymous caller together): a token bucket of requests, a
/// concurrency limit of requests in flight, and a token bucket of batch-job rows. Each is null when not configured.
/// Built once at startup: the set of clients is the configuration's, so there is no partition to create or evict.
/// </summary>
internal sealed class ClientQuota(QuotaSettings settings, TimeProvider time)
{
    public QuotaSettings Settings { get; } = settings;

    public RateLimiter? Requests { get; } = settings.RequestsPerSecond > 0 ? new TokenBucket(settings.RequestsPerSecond, settings.Burst, time) : null;

    public RateLimiter? Concurrency { get; } = settings.MaxConcurrentRequests > 0
        ? new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = settings.MaxConcurrentRequests, QueueLimit = 0 })
        : null;

    public RateLimiter? JobRows { get; } = settings.JobRowsPerSecond > 0 ? new TokenBucket(settings.JobRowsPerSecond, settings.JobRowBurst, time) : null;
}
