using InferenceService.Engine.Scheduling;
using InferenceService.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace InferenceService.Api.Tests.Hosting;

/// <summary>
/// The drain on its own, on a fake clock: SIGTERM's BeginDrain takes the server out of service at once and stops the
/// host only once <c>Server:DrainDelaySeconds</c> have passed; a stop that skips the drain refuses all the same.
/// </summary>
public sealed class GracefulShutdownDrainTests : IDisposable
{
    private static readonly TimeSpan s_delay = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new();
    private readonly FakeLifetime _lifetime = new();
    private readonly SchedulerContext _scheduling = SchedulerContext.CreateDefault();
    private readonly GracefulShutdown _shutdown;

    public GracefulShutdownDrainTests()
    {
        _shutdown = Create(s_delay.TotalSeconds);
    }

    public void Dispose()
    {
        _shutdown.Dispose();
        _lifetime.Dispose();
    }

    [Fact]
    public void BeginDrain_BeforeTheDelayHasPassed_RefusesNewRequestsButKeepsTheHostRunning()
    {
        _shutdown.BeginDrain();
        _time.Advance(s_delay - TimeSpan.FromMilliseconds(1));

        Assert.True(_shutdown.IsDraining);
        Assert.True(_scheduling.ShuttingDown);
        Assert.Equal(0, _lifetime.StopCalls);
    }

    [Fact]
    public void BeginDrain_OnceTheDelayHasPassed_StopsTheHostOnce()
    {
        _shutdown.BeginDrain();
        _time.Advance(s_delay);
        _time.Advance(s_delay);

        Assert.Equal(1, _lifetime.StopCalls);
    }

    [Fact]
    public void BeginDrain_CalledAgainDuringTheDrain_DoesNotPutTheStopOff()
    {
        _shutdown.BeginDrain();
        _time.Advance(s_delay / 2);
        _shutdown.BeginDrain();
        _time.Advance(s_delay / 2);

        Assert.Equal(1, _lifetime.StopCalls);
    }

    [Fact]
    public void BeginDrain_ZeroDelay_StopsTheHostAtOnce()
    {
        using var shutdown = Create(0);

        shutdown.BeginDrain();

        Assert.True(shutdown.IsDraining);
        Assert.Equal(1, _lifetime.StopCalls);
    }

    [Fact]
    public async Task HostStopping_WithoutDrain_RefusesNewRequestsAtOnce()
    {
        await _shutdown.StartAsync(CancellationToken.None);
        Assert.False(_shutdown.IsDraining);
        Assert.False(_scheduling.ShuttingDown);

        _lifetime.StopApplication();

        Assert.True(_shutdown.IsDraining);
        Assert.True(_scheduling.ShuttingDown);
        await _shutdown.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task HostStopping_DuringTheDrain_DropsThePendingStop()
    {
        await _shutdown.StartAsync(CancellationToken.None);
        _shutdown.BeginDrain();

        _lifetime.StopApplication(); // Ctrl+C during the drain
        _time.Advance(s_delay);

        Assert.Equal(1, _lifetime.StopCalls);
        await _shutdown.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(3601)]
    public void Validate_DelayOutOfRange_FailsNamingTheSetting(double seconds)
    {
        var result = new DrainOptionsValidation().Validate(null, new DrainOptions { DrainDelaySeconds = seconds });

        Assert.True(result.Failed);
        Assert.Contains("Server:DrainDelaySeconds", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.5)]
    [InlineData(5)]
    public void Validate_DelayInRange_Succeeds(double seconds) =>
        Assert.True(new DrainOptionsValidation().Validate(null, new DrainOptions { DrainDelaySeconds = seconds }).Succeeded);

    private GracefulShutdown Create(double delaySeconds) =>
        new(_scheduling, _lifetime, _time, Options.Create(new DrainOptions { DrainDelaySeconds = delaySeconds }), NullLogger<GracefulShutdown>.Instance);

    /// <summary>The host's lifetime, counting the stops asked of it.</summary>
    private sealed class FakeLifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _started = new();
        private readonly CancellationTokenSource _stopping = new();
        private readonly CancellationTokenSource _stopped = new();
        private int _stopCalls;

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => _stopped.Token;

        public int StopCalls => Volatile.Read(ref _stopCalls);

        public void StopApplication()
        {
            Interlocked.Increment(ref _stopCalls);
            _stopping.Cancel();
        }

        public void Dispose()
        {
            _started.Dispose();
            _stopping.Dispose();
            _stopped.Dispose();
        }
    }
}
