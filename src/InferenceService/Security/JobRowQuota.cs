using System.Threading.RateLimiting;

namespace InferenceService.Security;

/// <summary>
/// Counts batch-job rows against the quota of the key that submitted the job (<c>JobRowsPerSecond</c>,
/// <c>JobRowBurst</c>), so a job is paced to its key's share rather than refused: <see cref="AcquireAsync"/> waits
/// until the rows fit. Needs nothing of the engine: a job runner names the key id it recorded at submission (null
/// for an anonymous submission, which counts against <c>Authentication:Anonymous</c>) and the rows it is about to
/// infer. A key without a row quota, or an id no longer configured, is not limited.
/// </summary>
internal sealed class JobRowQuota(ApiKeys keys)
{
    private readonly Dictionary<string, ClientQuota> _byId = keys.Keys.ToDictionary(k => k.Id, k => k.Quota, StringComparer.Ordinal);

    /// <summary>Waits until <paramref name="rows"/> rows fit the key's row quota and takes them.</summary>
    /// <returns>The lease (dispose it; rows are not given back).</returns>
    public ValueTask<RateLimitLease> AcquireAsync(string? keyId, int rows, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        var limiter = LimiterOf(keyId);
        return limiter is null ? ValueTask.FromResult<RateLimitLease>(QuotaLease.Granted) : limiter.AcquireAsync(rows, cancellationToken);
    }

    /// <summary>Takes <paramref name="rows"/> rows now if they fit; a refused lease carries RetryAfter.</summary>
    public RateLimitLease TryAcquire(string? keyId, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        return LimiterOf(keyId)?.AttemptAcquire(rows) ?? QuotaLease.Granted;
    }

    private RateLimiter? LimiterOf(string? keyId) =>
        keyId is null ? keys.AnonymousQuota.JobRows : _byId.TryGetValue(keyId, out var quota) ? quota.JobRows : null;
}
