using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Scheduling;

public sealed class BatchingPolicyTests
{
    private static readonly SchedulingOptions s_defaults = new() { DefaultMaxQueueSize = 77, DefaultQueueTimeoutMicroseconds = 3000 };

    [Fact]
    public void From_FullBlock_TakesEveryField()
    {
        var policy = BatchingPolicy.From(Configs.Parse("""
            { "max_batch_size": 16, "dynamic_batching": { "preferred_batch_size": [4, 8], "max_queue_delay_microseconds": "250",
              "preserve_ordering": true, "default_queue_policy": { "max_queue_size": 9, "default_timeout_microseconds": 1500,
              "timeout_action": "DELAY", "allow_timeout_override": true } } }
            """), s_defaults);

        Assert.True(policy.Batching);
        Assert.Equal(16, policy.MaxBatchSize);
        Assert.Equal([8, 4], policy.PreferredBatchSizes.ToArray());
        Assert.Equal(TimeSpan.FromMicroseconds(250), policy.MaxQueueDelay);
        Assert.True(policy.PreserveOrdering);
        Assert.Equal(9, policy.MaxQueueSize);
        Assert.Equal(TimeSpan.FromMicroseconds(1500), policy.DefaultTimeout);
        Assert.Equal(TimeoutAction.Delay, policy.TimeoutAction);
        Assert.True(policy.AllowTimeoutOverride);
    }

    [Fact]
    public void From_NoBlock_NotBatchedWithTheServerDefaults()
    {
        var policy = BatchingPolicy.From(Configs.Parse("""{ "max_batch_size": 16 }"""), s_defaults);

        Assert.False(policy.Batching);
        Assert.Equal(77, policy.MaxQueueSize);
        Assert.Equal(TimeSpan.FromMicroseconds(3000), policy.DefaultTimeout);
        Assert.Equal(TimeoutAction.Reject, policy.TimeoutAction);
    }

    [Theory]
    [InlineData(false, 1000, 10, 1000)] // overrides not allowed
    [InlineData(true, 1000, 10, 10)]    // shorter: honoured
    [InlineData(true, 1000, 5000, 1000)] // longer: never
    [InlineData(true, 0, 5000, 5000)]   // no default: the request's
    [InlineData(true, 1000, null, 1000)] // none asked
    public void TimeoutFor_Override_OnlyShortens(bool allowed, int defaultMs, int? requestedMs, int expectedMs)
    {
        var policy = new BatchingPolicy { AllowTimeoutOverride = allowed, DefaultTimeout = TimeSpan.FromMilliseconds(defaultMs) };

        var timeout = policy.TimeoutFor(requestedMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), timeout);
    }
}
