using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>The queue's bounds and timeouts, cancellation of queued requests, shutdown and drain.</summary>
public sealed class QueuePolicyTests : SchedulerFixture
{
    private const string SmallQueue = """{ "max_batch_size": 1, "dynamic_batching": { "default_queue_policy": { "max_queue_size": 4 } } }""";

    [Fact]
    public async Task Enqueue_QueueFull_RejectsExactlyTheOverflowAtOnceAndRunsTheRest()
    {
        var model = Model(SmallQueue);
        var busy = await OccupyInstanceAsync(model);

        var admitted = new List<Task<InferenceResult>>();
        var rejected = new List<InferenceException>();
        for (var i = 0; i < 7; i++)
        {
            try
            {
                admitted.Add(Infer(model, Rows(1, i)));
            }
            catch (InferenceException e)
            {
                rejected.Add(e);
            }
        }

        Assert.Equal(4, admitted.Count);
        Assert.Equal(3, rejected.Count);
        Assert.All(rejected, e => Assert.Equal(InferenceErrorKind.Overloaded, e.Kind));
        Assert.Equal("Model 'm' version 1 has 4 requests queued, its limit; retry later.", rejected[0].Message);
        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        var results = await Task.WhenAll(admitted).WaitAsync(Patience);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal([i, i + 1f, i + 2f], results[i].Values[0].GetTensorData<float>().ToArray());
            results[i].Dispose();
        }
    }

    [Fact]
    public async Task Enqueue_NoQueueSizeConfigured_TheServerDefaultBoundsTheQueue()
    {
        var model = Model("""{ }""", options: new SchedulingOptions { DefaultMaxQueueSize = 2, InlineRunLimitMicroseconds = 0 });
        var busy = await OccupyInstanceAsync(model);

        var queued = new[] { Infer(model, Rows(1)), Infer(model, Rows(1)) };
        var error = Assert.Throws<InferenceException>(() => { _ = Infer(model, Rows(1)); });

        Assert.Equal(InferenceErrorKind.Overloaded, error.Kind);
        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        (await Task.WhenAll(queued).WaitAsync(Patience)).ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Enqueue_ServerInFlightLimitReached_RejectsAcrossModels()
    {
        var context = new SchedulerContext(new SchedulingOptions { MaxInFlightRequests = 2, InlineRunLimitMicroseconds = 0 }, Clock, Observer);
        var first = Model("{}", context: context);
        var second = Model("{}", context: context);
        var busy = await OccupyInstanceAsync(first);
        var queued = Infer(first, Rows(1));

        var error = Assert.Throws<InferenceException>(() => { _ = Infer(second, Rows(1)); });

        Assert.Equal(InferenceErrorKind.Overloaded, error.Kind);
        Assert.Equal("The server has 2 requests in flight, its limit; retry later.", error.Message);
        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        (await queued.WaitAsync(Patience)).Dispose();
        Assert.Equal(0, context.Admission.Admitted);
    }

    [Fact]
    public async Task QueueTimeout_Reject_Answers504AndNeverRunsTheRequest()
    {
        var model = Model("""{ "max_batch_size": 4, "dynamic_batching": { "default_queue_policy": { "default_timeout_microseconds": 50000 } } }""");
        var busy = await OccupyInstanceAsync(model);
        var waiting = Infer(model, Rows(1));

        Clock.Advance(TimeSpan.FromMilliseconds(49));
        await SettleAsync();
        Assert.False(waiting.IsCompleted);
        Clock.Advance(TimeSpan.FromMilliseconds(1));

        var error = await Assert.ThrowsAsync<InferenceException>(() => waiting.WaitAsync(Patience));
        Assert.Equal(InferenceErrorKind.DeadlineExceeded, error.Kind);
        Assert.Equal("The request waited 50 ms in the queue of model 'm' version 1, its timeout, and was not run.", error.Message);
        Assert.Equal(0, model.QueueDepth);
        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        await SettleAsync();
        Assert.Single(Observer.Runs);
    }

    [Fact]
    public async Task QueueTimeout_Delay_KeepsTheRequestButBehindOnesThatHaveNotTimedOut()
    {
        var model = Model("""{ "max_batch_size": 1, "dynamic_batching": { "default_queue_policy": { "default_timeout_microseconds": 50000, "timeout_action": "DELAY" } } }""");
        var busy = await OccupyInstanceAsync(model);
        var late = Infer(model, Rows(1, 100));
        Clock.Advance(TimeSpan.FromMilliseconds(60));
        var onTime = Infer(model, Rows(1, 200));

        Observer.Release();
        (await busy.WaitAsync(Patience)).Dispose();
        await Observer.WaitForRunAsync(); // the next Run is held: it must be the on-time request's
        Observer.Release();
        using var onTimeResult = await onTime.WaitAsync(Patience);
        await Observer.WaitForRunAsync();
        Assert.False(late.IsCompleted);
        Observer.Release();
        using var lateResult = await late.WaitAsync(Patience);

        Assert.Equal(200f, onTimeResult.Values[0].GetTensorData<float>()[0]);
        Assert.Equal(100f, lateResult.Values[0].GetTensorData<float>()[0]);
        Assert.Equal(TimeSpan.FromMilliseconds(60), lateResult.Timings.Queue);
    }

    [Theory]
    [InlineData(10, 10)]     // shorter than the model's: honoured
    [InlineData(5000, 1000)] // longer: the model's own limit still applies
    public async Task QueueTimeout_RequestOverrideAllowed_OnlyEverShortens(int requestedMs, int expectedMs)
    {
        var model = Model("""{ "max_batch_size": 1, "dynamic_batching": { "default_queue_policy": { "default_timeout_microseconds": 1000000, "allow_timeout_override": true } } }""");
        var busy = await OccupyInstanceAsync(model);
        var waiting = Infer(model, Rows(1), timeout: TimeSpan.FromMilliseconds(requestedMs));

        Clock.Advance(TimeSpan.FromMilliseconds(expectedMs - 1));
        await SettleAsync();
        Assert.False(waiting.IsCompleted);
        Clock.Advance(TimeSpan.FromMilliseconds(1));

        var error = await Assert.ThrowsAsync<InferenceException>(() => waiting.WaitAsync(Patience));
        Assert.Equal(InferenceErrorKind.DeadlineExceeded, error.Kind);
        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
    }

    [Fact]
    public async Task QueueTimeout_OverrideNotAllowed_TheRequestsOwnTimeoutIsIgnored()
    {
        var model = Model("""{ "max_batch_size": 1, "dynamic_batching": {} }""");
        var busy = await OccupyInstanceAsync(model);
        var waiting = Infer(model, Rows(1, 7), timeout: TimeSpan.FromMilliseconds(1));

        Clock.Advance(TimeSpan.FromSeconds(10));
        await SettleAsync();
        Assert.False(waiting.IsCompleted);

        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        using var result = await waiting.WaitAsync(Patience);
        Assert.Equal(7f, result.Values[0].GetTensorData<float>()[0]);
    }

    [Fact]
    public async Task Cancel_WhileQueued_RemovesTheRequestWhichNeverRuns()
    {
        var model = Model(SmallQueue);
        var busy = await OccupyInstanceAsync(model);
        using var cancellation = new CancellationTokenSource();
        var cancelled = Infer(model, Rows(1), cancellation.Token);
        var kept = Infer(model, Rows(1, 5));
        Assert.Equal(2, model.QueueDepth);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Patience));
        Assert.Equal(1, model.QueueDepth);
        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        using var result = await kept.WaitAsync(Patience);
        Assert.Equal(2, Observer.Runs.Count); // the busy request's and the kept one's: the cancelled one never ran
        Assert.Equal(0, model.InFlight);
    }

    [Fact]
    public async Task Cancel_OneMemberOfARunningBatch_TheBatchRunsOnAndBothGetTheirRows()
    {
        var model = Model("""{ "max_batch_size": 2, "dynamic_batching": {} }""");
        var busy = await OccupyInstanceAsync(model);
        using var cancellation = new CancellationTokenSource();
        var leaving = Infer(model, Rows(1, 10), cancellation.Token);
        var staying = Infer(model, Rows(1, 20));
        Observer.Release();
        (await busy.WaitAsync(Patience)).Dispose();
        await Observer.WaitForRunAsync(); // the pair ran as one batch and is held before its answers go out

        await cancellation.CancelAsync();
        Observer.Dispose();

        using var left = await leaving.WaitAsync(Patience);
        using var stayed = await staying.WaitAsync(Patience);
        Assert.Equal((2, 2), (left.Timings.BatchSize, left.Timings.BatchRequests));
        Assert.Equal([10f, 11, 12], left.Values[0].GetTensorData<float>().ToArray());
        Assert.Equal([20f, 21, 22], stayed.Values[0].GetTensorData<float>().ToArray());
    }

    [Fact]
    public async Task BeginShutdown_NewRequestsAreRefusedWhileAdmittedOnesFinish()
    {
        var context = new SchedulerContext(new SchedulingOptions { InlineRunLimitMicroseconds = 0 }, Clock, Observer);
        var model = Model(SmallQueue, context: context);
        var busy = await OccupyInstanceAsync(model);
        var admitted = Infer(model, Rows(1, 3));

        context.BeginShutdown();

        var error = Assert.Throws<InferenceException>(() => { _ = Infer(model, Rows(1)); });
        Assert.Equal(InferenceErrorKind.Overloaded, error.Kind);
        Assert.Equal("The server is shutting down and takes no new requests; retry on another replica.", error.Message);
        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        using var result = await admitted.WaitAsync(Patience);
        Assert.Equal(3f, result.Values[0].GetTensorData<float>()[0]);
    }

    [Fact]
    public async Task Dispose_WithQueuedRequests_RunsThemAllBeforeReturning()
    {
        var model = Model("""{ "max_batch_size": 1, "dynamic_batching": { "max_queue_delay_microseconds": 3600000000 } }""");
        var busy = await OccupyInstanceAsync(model);
        var queued = Enumerable.Range(0, 3).Select(i => Infer(model, Rows(1, i))).ToArray();

        var disposing = Task.Run(model.Scheduler.Dispose);
        await SettleAsync();
        var error = Assert.Throws<InferenceException>(() => { _ = Infer(model, Rows(1)); });
        Observer.Dispose();
        await disposing.WaitAsync(Patience);

        Assert.Equal(InferenceErrorKind.ModelNotReady, error.Kind);
        Assert.All(queued, q => Assert.True(q.IsCompletedSuccessfully));
        (await busy).Dispose();
        foreach (var q in queued)
        {
            (await q).Dispose();
        }
    }
}
