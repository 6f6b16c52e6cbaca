using System.Threading.RateLimiting;
using InferenceService.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace InferenceService.Api.Tests.Security;

/// <summary>The token bucket on a fake clock, and the job row quota built on it.</summary>
public sealed class TokenBucketTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void AttemptAcquire_PastTheBurst_RefusesWithTheTimeUntilTheNextToken()
    {
        using var bucket = new TokenBucket(perSecond: 2, capacity: 4, _time);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(bucket.AttemptAcquire().IsAcquired);
        }
        using var refused = bucket.AttemptAcquire();
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(0.5), wait);
        Assert.Equal(1, SecurityAnswers.RetryAfterSeconds(wait));

        _time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(bucket.AttemptAcquire().IsAcquired);
        Assert.False(bucket.AttemptAcquire().IsAcquired);
    }

    [Fact]
    public void AttemptAcquire_LongIdle_RefillsOnlyToTheBurst()
    {
        using var bucket = new TokenBucket(perSecond: 10, capacity: 2, _time);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.True(bucket.AttemptAcquire().IsAcquired);
        Assert.True(bucket.AttemptAcquire().IsAcquired);
        Assert.False(bucket.AttemptAcquire().IsAcquired);
    }

    [Fact]
    public async Task JobRows_AcquireAsync_WaitsUntilTheRowsFit()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Authentication:ApiKeys:0:Id"] = "batch",
            ["Authentication:ApiKeys:0:Key"] = "batch-key-0123456789abcdef",
            ["Authentication:ApiKeys:0:Scopes"] = "jobs",
            ["Authentication:ApiKeys:0:JobRowsPerSecond"] = "100",
            ["Authentication:ApiKeys:0:JobRowBurst"] = "100",
        }).Build();
        var rows = new JobRowQuota(SecuritySettings.Load(configuration, _time));

        using (var first = await rows.AcquireAsync("batch", 100, CancellationToken.None))
        {
            Assert.True(first.IsAcquired);
        }
        var second = rows.AcquireAsync("batch", 50, CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.5));
        using (var granted = await second.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            Assert.True(granted.IsAcquired);
        }
        // More rows than the burst: granted once the bucket is full, leaving it in debt.
        _time.Advance(TimeSpan.FromSeconds(1));
        using (var large = rows.TryAcquire("batch", 250))
        {
            Assert.True(large.IsAcquired);
        }
        using var indebted = rows.TryAcquire("batch", 1);
        Assert.False(indebted.IsAcquired);
        Assert.True(indebted.TryGetMetadata(MetadataName.RetryAfter, out var wait));
        Assert.InRange(((TimeSpan)wait!).TotalSeconds, 1.509, 1.511);

        // A key without a row quota, and an anonymous submission without one, are not limited.
        using var unlimited = rows.TryAcquire("someone-else", 1_000_000);
        Assert.True(unlimited.IsAcquired);
        using var anonymous = rows.TryAcquire(null, 1_000_000);
        Assert.True(anonymous.IsAcquired);
    }
}
