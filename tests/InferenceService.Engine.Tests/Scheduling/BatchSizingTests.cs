using InferenceService.Engine.Scheduling;

namespace InferenceService.Engine.Tests.Scheduling;

public sealed class BatchSizingTests
{
    private static readonly BatchingPolicy s_waiting = new() { MaxBatchSize = 8, Batching = true, MaxQueueDelay = TimeSpan.FromMilliseconds(5) };

    private static int Send(int[] rows, BatchingPolicy policy, bool closed = false, bool delayExpired = false, bool waitingCannotHelp = false) =>
        BatchSizing.RequestsToSend(rows, policy, closed, delayExpired, waitingCannotHelp);

    [Fact]
    public void RequestsToSend_NothingQueued_SendsNothing() => Assert.Equal(0, Send([], s_waiting, delayExpired: true));

    [Fact]
    public void RequestsToSend_BelowMaxBeforeTheDelay_Waits() => Assert.Equal(0, Send([1, 2, 3], s_waiting));

    [Fact]
    public void RequestsToSend_BelowMaxAfterTheDelay_SendsAll() => Assert.Equal(3, Send([1, 2, 3], s_waiting, delayExpired: true));

    [Fact]
    public void RequestsToSend_ExactlyMax_SendsAtOnce() => Assert.Equal(3, Send([4, 2, 2], s_waiting));

    [Fact]
    public void RequestsToSend_NextWouldOverflow_SendsThoseThatFit() => Assert.Equal(2, Send([4, 3, 2], s_waiting));

    [Fact]
    public void RequestsToSend_Closed_SendsWithoutWaiting() => Assert.Equal(2, Send([1, 1], s_waiting, closed: true));

    [Fact]
    public void RequestsToSend_NoDelayConfigured_SendsWhatIsThere() =>
        Assert.Equal(2, Send([1, 1], s_waiting with { MaxQueueDelay = TimeSpan.Zero }));

    [Fact]
    public void RequestsToSend_PreferredSizesFormed_SendsTheLargestOne() =>
        Assert.Equal(3, Send([1, 1, 2, 1], s_waiting with { PreferredBatchSizes = [4, 2] }));

    [Fact]
    public void RequestsToSend_NoPreferredSizeFormedBeforeTheDelay_Waits() =>
        Assert.Equal(0, Send([3], s_waiting with { PreferredBatchSizes = [4, 2] }));

    [Fact]
    public void RequestsToSend_WaitingCannotHelpBeforeTheDelay_SendsAll() =>
        Assert.Equal(3, Send([1, 2, 3], s_waiting, waitingCannotHelp: true));

    [Fact]
    public void RequestsToSend_WaitingCannotHelpAndAPreferredSizeFormed_SendsThePreferredSize() =>
        Assert.Equal(2, Send([1, 1, 1], s_waiting with { PreferredBatchSizes = [2] }, waitingCannotHelp: true));

    [Fact]
    public void RequestsToSend_WaitingCannotHelpButTheNextWouldOverflow_SendsThoseThatFit() =>
        Assert.Equal(2, Send([4, 3, 2], s_waiting, waitingCannotHelp: true));

    [Fact]
    public void RequestsToSend_NotBatching_SendsOneAtATime() =>
        Assert.Equal(1, Send([1, 1, 1], s_waiting with { Batching = false }));
}
