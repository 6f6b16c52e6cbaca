using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>
/// Short Runs on the caller's thread: when nothing waits, an instance is idle and recent Runs were shorter than
/// <see cref="SchedulingOptions.InlineRunLimitMicroseconds"/>, the request runs on the thread that enqueues it;
/// otherwise it goes through the queue to an instance thread, as before. Which thread ran each Run is what the
/// observer below records.
/// </summary>
public sealed class RunsOnCallerThreadTests : SchedulerFixture
{
    private const string Unbatched = """{ "max_batch_size": 0 }""";

    // Longer than the 1 ms limit since the last request that had to queue: the model counts as quiet again.
    private static readonly TimeSpan QuietSpell = TimeSpan.FromMilliseconds(2);

    private readonly ThreadRecordingObserver _threads;

    public RunsOnCallerThreadTests() => _threads = new ThreadRecordingObserver(Clock);

    [Fact]
    public async Task Infer_InstanceIdleAfterAShortRun_RunsOnTheCallersThreadAndIsAnsweredAtOnce()
    {
        var model = ModelWithInlineRuns(Unbatched);
        (await Infer(model, Rows(1)).WaitAsync(Patience)).Dispose(); // no Run known yet: an instance thread runs it
        Clock.Advance(QuietSpell);

        var caller = Environment.CurrentManagedThreadId;
        var answer = Infer(model, Rows(1, first: 5));

        Assert.True(answer.IsCompletedSuccessfully); // run before Infer returned: nothing was queued
        using var result = await answer;
        Assert.Equal([5f, 6, 7], result.Values[0].GetTensorData<float>().ToArray());
        Assert.Equal([false, true], _threads.Runs.Select(r => r.ThreadId == caller));
        Assert.StartsWith("m:1 instance", _threads.Runs[0].ThreadName);
        Assert.Equal(TimeSpan.Zero, result.Timings.Queue);
    }

    [Fact]
    public async Task Infer_RecentRunsLongerThanTheLimit_RunsOnAnInstanceThread()
    {
        _threads.RunTime = TimeSpan.FromMilliseconds(5); // each Run takes 5 ms on the test's clock; the limit is 1 ms
        var model = ModelWithInlineRuns(Unbatched);
        (await Infer(model, Rows(1)).WaitAsync(Patience)).Dispose();

        (await Infer(model, Rows(1)).WaitAsync(Patience)).Dispose();

        Assert.All(_threads.Runs, r => Assert.StartsWith("m:1 instance", r.ThreadName));
    }

    [Fact]
    public async Task Infer_ARequestQueuedWithinTheLimit_RunsOnAnInstanceThread()
    {
        var model = ModelWithInlineRuns(Unbatched);
        (await Infer(model, Rows(1)).WaitAsync(Patience)).Dispose(); // queued (no Run known): the model counts as busy
        Clock.Advance(TimeSpan.FromMicroseconds(500));

        (await Infer(model, Rows(1)).WaitAsync(Patience)).Dispose(); // half the limit later: still busy
        Clock.Advance(QuietSpell);
        (await Infer(model, Rows(1)).WaitAsync(Patience)).Dispose(); // quiet for longer than the limit

        Assert.Equal([true, true, false], _threads.Runs.Select(r => r.ThreadName?.StartsWith("m:1 instance", StringComparison.Ordinal) == true));
    }

    [Fact]
    public async Task Infer_TheOnlySessionRunsACallersRequest_NextRequestWaitsForItOnAnInstanceThread()
    {
        var model = ModelWithInlineRuns(Unbatched);
        (await Infer(model, Rows(1)).WaitAsync(Patience)).Dispose();
        Clock.Advance(QuietSpell);

        _threads.Hold();
        var first = Task.Run(() => Infer(model, Rows(1, first: 10))); // runs on that pool thread, and is held there
        await _threads.WaitForHeldRunAsync();
        var second = Infer(model, Rows(1, first: 20)); // enqueued synchronously: queued or run before this returns

        Assert.False(second.IsCompleted); // the session is busy: the request waits in the queue, not on a second Run
        Assert.Equal(1, model.Scheduler.QueueDepth);
        _threads.Release();
        using var firstResult = await first.WaitAsync(Patience);
        using var secondResult = await second.WaitAsync(Patience);
        Assert.Equal([10f, 11, 12], firstResult.Values[0].GetTensorData<float>().ToArray());
        Assert.Equal([20f, 21, 22], secondResult.Values[0].GetTensorData<float>().ToArray());
        Assert.StartsWith("m:1 instance", _threads.Runs[^1].ThreadName);
        Assert.DoesNotContain("instance", _threads.Runs[1].ThreadName ?? "");
    }

    [Fact]
    public async Task Infer_LimitIsZero_EveryRunOnAnInstanceThread()
    {
        var model = Model(Unbatched, context: new SchedulerContext(new SchedulingOptions { InlineRunLimitMicroseconds = 0 }, Clock, _threads));
        for (var i = 0; i < 3; i++)
        {
            (await Infer(model, Rows(1)).WaitAsync(Patience)).Dispose();
        }

        Assert.Equal(3, _threads.Runs.Count);
        Assert.All(_threads.Runs, r => Assert.StartsWith("m:1 instance", r.ThreadName));
    }

    [Fact]
    public async Task Dispose_ARunOnACallersThreadInProgress_WaitsForItsSessionBeforeReturning()
    {
        var model = ModelWithInlineRuns(Unbatched);
        (await Infer(model, Rows(1)).WaitAsync(Patience)).Dispose();
        Clock.Advance(QuietSpell);
        _threads.Hold();
        var running = Task.Run(() => Infer(model, Rows(1, first: 3)));
        await _threads.WaitForHeldRunAsync();

        var disposing = Task.Run(model.Scheduler.Dispose);
        await SettleAsync();

        Assert.False(disposing.IsCompleted); // the session is still in use: it must not be released under the Run
        _threads.Release();
        await disposing.WaitAsync(Patience);
        using var result = await running.WaitAsync(Patience);
        Assert.Equal([3f, 4, 5], result.Values[0].GetTensorData<float>().ToArray());
    }

    private LoadedModel ModelWithInlineRuns(string config) =>
        Model(config, context: new SchedulerContext(new SchedulingOptions { InlineRunLimitMicroseconds = 1000 }, Clock, _threads));

    /// <summary>Records the thread of every Run; can make each Run take time on the test's clock, or hold Runs.</summary>
    private sealed class ThreadRecordingObserver(ManualTimeProvider clock) : IBatchObserver
    {
        private readonly List<(int ThreadId, string? ThreadName)> _runs = [];
        private readonly SemaphoreSlim _held = new(0);
        private readonly ManualResetEventSlim _open = new(true);

        public TimeSpan RunTime { get; set; }

        public IReadOnlyList<(int ThreadId, string? ThreadName)> Runs
        {
            get
            {
                lock (_runs)
                {
                    return [.. _runs];
                }
            }
        }

        public void OnBatchExecuted(in BatchExecution batch)
        {
            lock (_runs)
            {
                _runs.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.Name));
            }
            if (RunTime > TimeSpan.Zero)
            {
                clock.Advance(RunTime);
            }
            if (!_open.IsSet)
            {
                _held.Release();
                _open.Wait(TimeSpan.FromSeconds(30));
            }
        }

        public void Hold() => _open.Reset();

        public void Release() => _open.Set();

        public async Task WaitForHeldRunAsync()
        {
            if (!await _held.WaitAsync(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException("No Run was held.");
            }
        }
    }
}
