using Microsoft.Extensions.Time.Testing;

namespace InferenceService.Client.Tests;

/// <summary>The retry loop both transports share, on a fake clock: how long it waits, how often, and when it gives up.</summary>
public sealed class RetriesTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task RunAsync_UnavailableWithRetryAfter_WaitsThatLongThenSucceeds()
    {
        var options = new InferenceClientOptions { Time = _time, MaxRetries = 3 };
        var attempts = 0;

        var running = Retries.RunAsync(options, (_, _) => ++attempts < 3
            ? throw new InferenceClientException(InferenceErrorCode.Unavailable, "full") { RetryAfter = TimeSpan.FromSeconds(1) }
            : Task.FromResult(attempts), CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, attempts);
        var waited = TimeSpan.FromMilliseconds(999) + await AdvanceUntilDoneAsync(running);

        Assert.Equal(3, await running);
        Assert.True(waited >= TimeSpan.FromSeconds(2), $"Two retries after 1 s each took {waited} of the clock.");
    }

    [Fact]
    public async Task RunAsync_RetryAfterLongerThanTheMaximum_WaitsTheMaximum()
    {
        var options = new InferenceClientOptions { Time = _time, MaxRetries = 1, MaxRetryDelay = TimeSpan.FromSeconds(2) };
        var attempts = 0;

        var running = Retries.RunAsync(options, (_, _) => ++attempts == 1
            ? throw new InferenceClientException(InferenceErrorCode.Unavailable, "full") { RetryAfter = TimeSpan.FromMinutes(5) }
            : Task.FromResult(attempts), CancellationToken.None);
        var waited = await AdvanceUntilDoneAsync(running);

        Assert.Equal(2, await running);
        Assert.InRange(waited, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task RunAsync_StillUnavailableAfterTheLastRetry_Throws()
    {
        var options = new InferenceClientOptions { Time = _time, MaxRetries = 2 };
        var attempts = 0;

        var running = Retries.RunAsync<int>(options, (_, _) =>
        {
            attempts++;
            throw new InferenceClientException(InferenceErrorCode.Unavailable, "full");
        }, CancellationToken.None);
        var waited = await AdvanceUntilDoneAsync(running);

        var error = await Assert.ThrowsAsync<InferenceClientException>(() => running);
        Assert.Equal(InferenceErrorCode.Unavailable, error.Code);
        Assert.Equal(3, attempts);
        // The default delay (100 ms), then doubled.
        Assert.True(waited >= TimeSpan.FromMilliseconds(300), $"The retries took {waited} of the clock.");
    }

    /// <summary>
    /// Moves the fake clock on in 50 ms steps until the call is done, giving the retry loop's continuations (which run
    /// on the thread pool) their turn between steps; returns how much clock time passed.
    /// </summary>
    private async Task<TimeSpan> AdvanceUntilDoneAsync(Task running)
    {
        var step = TimeSpan.FromMilliseconds(50);
        var waited = TimeSpan.Zero;
        for (var i = 0; i < 2000 && !running.IsCompleted; i++)
        {
            _time.Advance(step);
            waited += step;
            await Task.WhenAny(running, Task.Delay(5));
        }
        Assert.True(running.IsCompleted, "The call did not complete.");
        return waited;
    }

    [Fact]
    public async Task RunAsync_OtherErrors_AreNotRetried()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<InferenceClientException>(() => Retries.RunAsync<int>(new InferenceClientOptions { Time = _time }, (_, _) =>
        {
            attempts++;
            throw new InferenceClientException(InferenceErrorCode.InvalidArgument, "bad");
        }, CancellationToken.None));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task RunAsync_TimeoutPassesWhileWaitingToRetry_ThrowsDeadlineExceeded()
    {
        var options = new InferenceClientOptions { Time = _time, MaxRetries = 5, Timeout = TimeSpan.FromMilliseconds(500) };

        var running = Retries.RunAsync<int>(options, (_, _) =>
            throw new InferenceClientException(InferenceErrorCode.Unavailable, "full") { RetryAfter = TimeSpan.FromSeconds(1) }, CancellationToken.None);
        var waited = await AdvanceUntilDoneAsync(running);
        Assert.True(waited < TimeSpan.FromSeconds(1), "The timeout, not the retry wait, ended the call.");

        var error = await Assert.ThrowsAsync<InferenceClientException>(() => running);
        Assert.Equal(InferenceErrorCode.DeadlineExceeded, error.Code);
    }
}
