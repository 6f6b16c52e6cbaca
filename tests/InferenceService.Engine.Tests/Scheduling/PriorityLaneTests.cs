using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>The two lanes: online requests always go before batch-job requests queued earlier.</summary>
public sealed class PriorityLaneTests : SchedulerFixture
{
    private Task<InferenceResult> InferJob(LoadedModel model, InputTensor input, TimeSpan? timeout = null) =>
        Pipeline.InferAsync(model, [input], null, CancellationToken.None, timeout, RequestPriority.Job);

    [Fact]
    public async Task Enqueue_JobRequestsQueuedBeforeOnlineOnes_OnlineRunFirst()
    {
        var model = Model("""{ "max_batch_size": 4, "dynamic_batching": { } }""");
        var busy = await OccupyInstanceAsync(model);
        var jobs = new[] { InferJob(model, Rows(4, 100)), InferJob(model, Rows(4, 200)) };
        var online = new[] { Infer(model, Rows(1, 1)), Infer(model, Rows(1, 2)) };
        await SettleAsync();

        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        var results = await Task.WhenAll(online.Concat(jobs)).WaitAsync(Patience);

        // Runs: the occupying one, then the two online rows together, then each job batch in its order.
        Assert.Equal([(4, 1), (2, 2), (4, 1), (4, 1)], Observer.Runs.Select(r => (r.BatchSize, r.Requests)));
        Assert.Equal(100f, results[2].Values[0].GetTensorData<float>()[0]);
        Assert.Equal(200f, results[3].Values[0].GetTensorData<float>()[0]);
        results.ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Enqueue_OnlineArrivesWhileJobsWait_JobsNeverJoinTheOnlineBatch()
    {
        var model = Model("""{ "max_batch_size": 8, "dynamic_batching": { } }""");
        var busy = await OccupyInstanceAsync(model);
        var job = InferJob(model, Rows(2, 100));
        var online = Infer(model, Rows(1, 1));
        await SettleAsync();

        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        using var onlineResult = await online.WaitAsync(Patience);
        using var jobResult = await job.WaitAsync(Patience);

        Assert.Equal((1, 1), (onlineResult.Timings.BatchSize, onlineResult.Timings.BatchRequests));
        Assert.Equal((2, 1), (jobResult.Timings.BatchSize, jobResult.Timings.BatchRequests));
    }

    [Fact]
    public async Task Enqueue_OnlyJobRequests_BatchTogetherWithoutHoldingForTheDelay()
    {
        var model = Model("""{ "max_batch_size": 8, "dynamic_batching": { "max_queue_delay_microseconds": 3600000000 } }""");
        var busy = await OccupyInstanceAsync(model);
        var jobs = new[] { InferJob(model, Rows(2, 100)), InferJob(model, Rows(2, 200)) };
        await SettleAsync();

        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        var results = await Task.WhenAll(jobs).WaitAsync(Patience);

        Assert.All(results, r => Assert.Equal((4, 2), (r.Timings.BatchSize, r.Timings.BatchRequests)));
        results.ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Enqueue_JobRequestsBeyondTheQueueBound_AreAdmittedAndOnlineStillFits()
    {
        var model = Model("""{ "max_batch_size": 1, "dynamic_batching": { "default_queue_policy": { "max_queue_size": 2 } } }""");
        var busy = await OccupyInstanceAsync(model);
        var jobs = Enumerable.Range(0, 4).Select(i => InferJob(model, Rows(1, 100 + i))).ToArray();
        model.Scheduler.ThrowIfFull(); // the door counts the online lane only: 0 of 2
        var online = new[] { Infer(model, Rows(1, 1)), Infer(model, Rows(1, 2)) };
        await SettleAsync();

        Assert.Equal(6, model.QueueDepth);
        var refused = Assert.Throws<InferenceException>(() => { _ = Infer(model, Rows(1, 3)); });
        Assert.Equal(InferenceErrorKind.Overloaded, refused.Kind);

        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        var results = await Task.WhenAll(online.Concat(jobs)).WaitAsync(Patience);
        Assert.Equal([1f, 2, 100, 101, 102, 103], results.Select(r => r.Values[0].GetTensorData<float>()[0]));
        results.ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Enqueue_JobRequestWithAShortTimeout_IsNeverTimedOut()
    {
        var model = Model("""{ "max_batch_size": 4, "dynamic_batching": { "default_queue_policy": { "default_timeout_microseconds": 1000, "allow_timeout_override": true } } }""");
        var busy = await OccupyInstanceAsync(model);
        var job = InferJob(model, Rows(1, 100), TimeSpan.FromMilliseconds(1));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await SettleAsync();
        Assert.False(job.IsCompleted);

        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        using var result = await job.WaitAsync(Patience);
        Assert.Equal(100f, result.Values[0].GetTensorData<float>()[0]);
    }
}
