using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>
/// The delay is an upper bound, not a wait: a free instance holds a batch only while the scheduler expects more rows
/// soon enough to pay (it learns that from the Runs it made and the arrivals it saw), and never past the delay.
/// </summary>
public sealed class BatchHoldingTests : SchedulerFixture
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(100);

    private LoadedModel DelayModel(int maxBatchSize, string preferred = "") => Model($$"""
        { "max_batch_size": {{maxBatchSize}}, "dynamic_batching": { {{preferred}} "max_queue_delay_microseconds": 100000 } }
        """);

    /// <summary>
    /// Shows the scheduler a model whose Runs cost about 480 ms whatever their size (as on a GPU) and requests that
    /// come in bunches: a full Run held for 500 ms, while a pair of one-row requests arrives together; then the pair's
    /// Run, held for 490 ms. Waiting for a bunch to gather now pays.
    /// </summary>
    private async Task LearnThatWaitingPaysAsync(LoadedModel model)
    {
        var busy = await OccupyInstanceAsync(model);
        var pair = new[] { Infer(model, Rows(1, 1)), Infer(model, Rows(1, 2)) };
        Clock.Advance(TimeSpan.FromMilliseconds(500));
        Observer.Release();
        (await busy.WaitAsync(Patience)).Dispose();
        await Observer.WaitForRunAsync();
        Clock.Advance(TimeSpan.FromMilliseconds(490));
        Observer.Release();
        foreach (var request in pair)
        {
            using var result = await request.WaitAsync(Patience);
            Assert.Equal(2, result.Timings.BatchRequests);
        }
    }

    [Fact]
    public async Task Enqueue_LoneRequestOnAnIdleInstance_GoesWithoutWaitingForTheDelay()
    {
        var model = Model("""{ "max_batch_size": 8, "dynamic_batching": { "max_queue_delay_microseconds": 3600000000 } }""");
        Observer.Dispose();

        using var result = await Infer(model, Rows(1, 7)).WaitAsync(Patience); // the clock never moves

        Assert.Equal(TimeSpan.Zero, result.Timings.Queue);
        Assert.Equal((1, 1), (result.Timings.BatchSize, result.Timings.BatchRequests));
        Assert.Equal([7f, 8, 9], result.Values[0].GetTensorData<float>().ToArray());
    }

    [Fact]
    public async Task Enqueue_SteadyStreamFasterThanTheRuns_BatchesFormWhileTheInstanceIsBusy()
    {
        var model = DelayModel(maxBatchSize: 8);
        var busy = await OccupyInstanceAsync(model); // a Run of 8 rows taking 8 ms: 1 ms a row
        var first = new List<Task<InferenceResult>>();
        for (var i = 0; i < 3; i++)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(2));
            first.Add(Infer(model, Rows(1, i)));
        }
        Clock.Advance(TimeSpan.FromMilliseconds(2));
        Observer.Release();
        (await busy.WaitAsync(Patience)).Dispose();
        await Observer.WaitForRunAsync(); // the three that came during the first Run, as one batch taking 3 ms
        var second = new List<Task<InferenceResult>>();
        for (var i = 0; i < 2; i++)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(1));
            second.Add(Infer(model, Rows(1, 10 + i)));
        }
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        Observer.Dispose();

        var firstResults = await Task.WhenAll(first).WaitAsync(Patience);
        var secondResults = await Task.WhenAll(second).WaitAsync(Patience);

        Assert.Equal([(8, 1), (3, 3), (2, 2)], Observer.Runs.Select(r => (r.BatchSize, r.Requests)));
        // Each waited only for the Run before it, never for the delay: the first from 2, 4 and 6 ms until 8 ms.
        Assert.Equal([6.0, 4, 2], firstResults.Select(r => r.Timings.Queue.TotalMilliseconds));
        Assert.Equal([2.0, 1], secondResults.Select(r => r.Timings.Queue.TotalMilliseconds));
        Assert.Equal([10f, 11, 12], secondResults[0].Values[0].GetTensorData<float>().ToArray());
        firstResults.Concat(secondResults).ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Enqueue_BurstWithinTheDelayOnAnIdleInstance_IsHeldAndSentTogetherUpToTheMaximum()
    {
        var model = DelayModel(maxBatchSize: 4);
        await LearnThatWaitingPaysAsync(model);
        Observer.Dispose();

        var burst = Enumerable.Range(0, 6).Select(i => Infer(model, Rows(1, i * 10))).ToArray();
        var full = await Task.WhenAll(burst.Take(4)).WaitAsync(Patience);

        Assert.All(full, r => Assert.Equal((4, 4), (r.Timings.BatchSize, r.Timings.BatchRequests)));
        Assert.All(full, r => Assert.Equal(TimeSpan.Zero, r.Timings.Queue)); // it went as soon as it was full
        Assert.Equal([30f, 31, 32], full[3].Values[0].GetTensorData<float>().ToArray());
        await SettleAsync();
        Assert.False(burst[4].IsCompleted); // the rest of the burst is held in turn
        Assert.False(burst[5].IsCompleted);
        Clock.Advance(Delay);
        var rest = await Task.WhenAll(burst.Skip(4)).WaitAsync(Patience);
        Assert.All(rest, r => Assert.Equal((2, 2), (r.Timings.BatchSize, r.Timings.BatchRequests)));
        full.Concat(rest).ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Enqueue_HeldLoneRequest_GoesNoLaterThanTheDelay()
    {
        var model = DelayModel(maxBatchSize: 4);
        await LearnThatWaitingPaysAsync(model);
        Observer.Dispose();

        var lone = Infer(model, Rows(1));
        await SettleAsync();
        Assert.False(lone.IsCompleted); // held: more rows were expected
        Clock.Advance(Delay / 2);
        await SettleAsync();
        Assert.False(lone.IsCompleted);
        Clock.Advance(Delay / 2);

        using var result = await lone.WaitAsync(Patience);
        Assert.InRange(result.Timings.Queue, Delay / 2 + TimeSpan.FromTicks(1), Delay);
        Assert.Equal(1, result.Timings.BatchSize);
    }

    [Fact]
    public async Task Enqueue_StreamThatWouldKeepTheBatchGrowing_TheOldestStillGoesWithinTheDelay()
    {
        var model = DelayModel(maxBatchSize: 64);
        await LearnThatWaitingPaysAsync(model); // a Run's fixed cost (about 490 ms) is far longer than the delay
        Observer.Dispose();

        var oldest = Infer(model, Rows(1));
        var later = new List<Task<InferenceResult>>();
        for (var step = 0; step < 5; step++)
        {
            Clock.Advance(Delay / 5);
            await SettleAsync();
            if (step < 4)
            {
                later.Add(Infer(model, Rows(1)));
            }
        }

        using var result = await oldest.WaitAsync(Patience);
        Assert.InRange(result.Timings.Queue, TimeSpan.Zero, Delay);
        Assert.True(result.Timings.BatchRequests > 1); // the stream did join it
        Clock.Advance(TimeSpan.FromHours(1));
        (await Task.WhenAll(later).WaitAsync(Patience)).ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Enqueue_HeldBatchFormsAPreferredSize_GoesAtOnceWithThatSize()
    {
        var model = DelayModel(maxBatchSize: 8, preferred: """ "preferred_batch_size": [2], """);
        await LearnThatWaitingPaysAsync(model);
        Observer.Dispose();

        var burst = Enumerable.Range(0, 3).Select(i => Infer(model, Rows(1, i * 10))).ToArray();
        var preferred = await Task.WhenAll(burst.Take(2)).WaitAsync(Patience);

        Assert.All(preferred, r => Assert.Equal((2, 2, TimeSpan.Zero), (r.Timings.BatchSize, r.Timings.BatchRequests, r.Timings.Queue)));
        await SettleAsync();
        Assert.False(burst[2].IsCompleted);
        Clock.Advance(Delay);
        using var last = await burst[2].WaitAsync(Patience);
        Assert.Equal(1, last.Timings.BatchSize);
        preferred.ToList().ForEach(r => r.Dispose());
    }
}
