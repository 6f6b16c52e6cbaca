using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;
using InferenceService.OnnxRuntime;

namespace InferenceService.Engine.Tests.Serving;

public sealed class SessionPoolTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private readonly List<InferenceSession> _sessions = [];

    public void Dispose() => _sessions.ForEach(s => s.Dispose());

    private SessionPool Pool(int instances)
    {
        for (var i = 0; i < instances; i++)
        {
            _sessions.Add(InferenceSession.Create(TempRepository.TestModel("identity_float.onnx")));
        }
        return new SessionPool(_sessions.ToArray());
    }

    /// <summary>Gives a pending rent every chance to complete, so "still waiting" means waiting.</summary>
    private static async Task SettleAsync()
    {
        for (var i = 0; i < 5; i++)
        {
            await Task.Yield();
            await Task.Delay(10);
        }
    }

    [Fact]
    public void Constructor_NoSessions_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SessionPool([]));
    }

    [Fact]
    public async Task RentAsync_OneInstance_SecondRenterWaitsUntilTheFirstLeaseIsDisposed()
    {
        var pool = Pool(1);
        var first = await pool.RentAsync(CancellationToken.None);

        var second = pool.RentAsync(CancellationToken.None).AsTask();
        await SettleAsync();
        Assert.False(second.IsCompleted);

        first.Dispose();
        using var lease = await second.WaitAsync(s_timeout);
        Assert.Same(_sessions[0], lease.Session);
    }

    [Fact]
    public async Task RentAsync_TwoInstances_TwoRentersGetDistinctSessionsAtOnce()
    {
        var pool = Pool(2);

        using var first = await pool.RentAsync(CancellationToken.None).AsTask().WaitAsync(s_timeout);
        using var second = await pool.RentAsync(CancellationToken.None).AsTask().WaitAsync(s_timeout);

        Assert.NotSame(first.Session, second.Session);
        Assert.Equal(2, pool.Count);
        var third = pool.RentAsync(CancellationToken.None).AsTask();
        await SettleAsync();
        Assert.False(third.IsCompleted);
        first.Dispose();
        using var lease = await third.WaitAsync(s_timeout);
        Assert.Same(first.Session, lease.Session);
    }

    [Fact]
    public async Task RentAsync_WaitingRentCancelled_ThrowsAndLeavesTheInstanceForOthers()
    {
        var pool = Pool(1);
        var first = await pool.RentAsync(CancellationToken.None);
        using var cancellation = new CancellationTokenSource();

        var waiting = pool.RentAsync(cancellation.Token).AsTask();
        await SettleAsync();
        Assert.False(waiting.IsCompleted);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(s_timeout));
        first.Dispose();
        // The cancelled renter took nothing: the instance goes to the next one.
        using var next = await pool.RentAsync(CancellationToken.None).AsTask().WaitAsync(s_timeout);
        Assert.Same(_sessions[0], next.Session);
    }

    [Fact]
    public async Task RentAsync_AlreadyCancelled_ThrowsWithoutTakingAnInstance()
    {
        var pool = Pool(1);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.RentAsync(new CancellationToken(canceled: true)).AsTask());

        using var lease = await pool.RentAsync(CancellationToken.None).AsTask().WaitAsync(s_timeout);
        Assert.Same(_sessions[0], lease.Session);
    }

    [Fact]
    public async Task RentAsync_SeveralWaiting_AreServedFirstComeFirstServed()
    {
        var pool = Pool(1);
        var held = await pool.RentAsync(CancellationToken.None);
        var second = pool.RentAsync(CancellationToken.None).AsTask();
        await SettleAsync();
        var third = pool.RentAsync(CancellationToken.None).AsTask();
        await SettleAsync();

        held.Dispose();
        var secondLease = await second.WaitAsync(s_timeout);
        await SettleAsync();
        Assert.False(third.IsCompleted);

        secondLease.Dispose();
        using var thirdLease = await third.WaitAsync(s_timeout);
        Assert.Same(_sessions[0], thirdLease.Session);
    }

    [Fact]
    public async Task LeaseDispose_Twice_ReturnsTheInstanceOnce()
    {
        var pool = Pool(1);
        var lease = await pool.RentAsync(CancellationToken.None);

        lease.Dispose();
        lease.Dispose();

        using var first = await pool.RentAsync(CancellationToken.None).AsTask().WaitAsync(s_timeout);
        var second = pool.RentAsync(CancellationToken.None).AsTask();
        await SettleAsync();
        Assert.False(second.IsCompleted);
    }
}
