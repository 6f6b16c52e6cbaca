using InferenceService.Engine.Scheduling;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>The token a shared Run stops on: cancelled when every request of the batch has been, and only then.</summary>
public sealed class EveryoneGoneTests
{
    private static QueuedRequest Request(CancellationToken token) => new([], [], [], 1, token);

    [Fact]
    public void For_OneOfTwoRequestsCancelled_IsNotCancelledUntilTheOtherIsToo()
    {
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        using var gone = EveryoneGone.For([Request(first.Token), Request(second.Token)])!;

        first.Cancel();
        var afterOne = gone.Token.IsCancellationRequested;
        second.Cancel();

        Assert.False(afterOne);
        Assert.True(gone.Token.IsCancellationRequested);
    }

    [Fact]
    public void For_EveryRequestCancelledBeforehand_IsCancelledAtOnce()
    {
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        first.Cancel();
        second.Cancel();

        using var gone = EveryoneGone.For([Request(first.Token), Request(second.Token)])!;

        Assert.True(gone.Token.IsCancellationRequested);
    }

    [Fact]
    public void For_ARequestThatCanNeverBeCancelled_GivesNoToken()
    {
        using var first = new CancellationTokenSource();

        Assert.Null(EveryoneGone.For([Request(first.Token), Request(CancellationToken.None)]));
    }

    [Fact]
    public void Dispose_ThenARequestCancelled_LeavesTheDisposedSourceAlone()
    {
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var gone = EveryoneGone.For([Request(first.Token), Request(second.Token)])!;
        first.Cancel();

        gone.Dispose();
        second.Cancel(); // would cancel a disposed source, and throw, were the registrations still there

        Assert.True(second.IsCancellationRequested);
    }
}
