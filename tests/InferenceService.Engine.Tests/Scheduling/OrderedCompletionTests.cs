using InferenceService.Engine.Scheduling;

namespace InferenceService.Engine.Tests.Scheduling;

public sealed class OrderedCompletionTests
{
    [Fact]
    public void Complete_LaterBatchFinishesFirst_IsReleasedAfterTheEarlierOnes()
    {
        var ordering = new OrderedCompletion();
        var released = new List<long>();

        ordering.Complete(2, () => released.Add(2));
        ordering.Complete(1, () => released.Add(1));
        Assert.Empty(released);
        ordering.Complete(0, () => released.Add(0));
        ordering.Complete(3, () => released.Add(3));

        Assert.Equal([0L, 1, 2, 3], released);
    }
}
