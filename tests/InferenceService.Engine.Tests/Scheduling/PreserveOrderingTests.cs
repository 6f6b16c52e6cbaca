using InferenceService.Engine.Scheduling;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>
/// <c>preserve_ordering</c> with two instances: a Run that finishes first on one instance does not answer its
/// requests before the earlier batch still running on the other.
/// </summary>
public sealed class PreserveOrderingTests : SchedulerFixture
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Infer_LaterBatchFinishesFirstOnAnotherInstance_IsAnsweredAfterTheEarlierOnlyWhenOrderingIsPreserved(bool preserveOrdering)
    {
        // Holds the Run of four rows (the first batch) on its instance and lets every other Run go.
        using var holdFullBatches = new RunHolder(batchSize: 4);
        var context = new SchedulerContext(new SchedulingOptions { InlineRunLimitMicroseconds = 0 }, Clock, holdFullBatches);
        var model = Model($$"""{ "max_batch_size": 4, "dynamic_batching": { "preserve_ordering": {{(preserveOrdering ? "true" : "false")}} } }""", instances: 2, context: context);

        var first = Infer(model, Rows(4, first: 0));
        await holdFullBatches.WaitUntilHeldAsync();
        var second = Infer(model, Rows(2, first: 100));
        await holdFullBatches.WaitForOtherRunAsync();
        await SettleAsync();

        Assert.False(first.IsCompleted);
        Assert.Equal(!preserveOrdering, second.IsCompleted);

        holdFullBatches.Release();
        using var firstResult = await first.WaitAsync(Patience);
        using var secondResult = await second.WaitAsync(Patience);
        Assert.Equal([100f, 101, 102, 103, 104, 105], secondResult.Values[0].GetTensorData<float>().ToArray());
        Assert.Equal(4, firstResult.Timings.BatchSize);
    }

    /// <summary>Holds the instance thread of every Run of <c>batchSize</c> rows until released; others pass.</summary>
    private sealed class RunHolder(int batchSize) : IBatchObserver, IDisposable
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _other = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnBatchExecuted(in BatchExecution batch)
        {
            if (batch.BatchSize != batchSize)
            {
                _other.TrySetResult();
                return;
            }
            _held.TrySetResult();
            _release.Task.Wait();
        }

        public Task WaitUntilHeldAsync() => _held.Task.WaitAsync(Patience);

        public Task WaitForOtherRunAsync() => _other.Task.WaitAsync(Patience);

        public void Release() => _release.TrySetResult();

        /// <summary>Never leaves an instance thread held, whatever the test's outcome.</summary>
        public void Dispose() => Release();
    }
}
