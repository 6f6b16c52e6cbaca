using System.Collections.Concurrent;

namespace InferenceService.OnnxRuntime.Tests;

[Collection(SerialCollection.Name)]
public class ConcurrencyTests
{
    private const int Threads = 16;
    private const int RunsPerThread = 500;

    [Fact]
    public void Run_SixteenThreadsOnOneSession_EveryResultBelongsToItsOwnInputs()
    {
        using var session = TestModels.Open(TestModels.TwoInputsTwoOutputs);
        var failures = new ConcurrentQueue<string>();
        var completed = 0;

        RunOnThreads(thread =>
        {
            // Half the threads pass a cancellable token, so the per-run native run options are exercised concurrently too.
            using var cts = thread % 2 == 0 ? new CancellationTokenSource() : null;
            var token = cts?.Token ?? CancellationToken.None;
            var a = new float[8];
            var b = new float[8];
            for (var run = 0; run < RunsPerThread; run++)
            {
                // Distinct per thread and per run, exactly representable, so sums and products compare exactly.
                for (var i = 0; i < 8; i++)
                {
                    a[i] = thread * 1000 + run + i;
                    b[i] = (i - 3.5f) * (thread + 1);
                }
                using var va = OrtValue.CreateTensor<float>(a, [2, 4]);
                using var vb = OrtValue.CreateTensor<float>(b, [2, 4]);
                using var outputs = session.RunOwned(["a", "b"], [va, vb], ["product", "sum"], null, token);
                var product = outputs[0].GetTensorData<float>();
                var sum = outputs[1].GetTensorData<float>();
                for (var i = 0; i < 8; i++)
                {
                    if (sum[i] != a[i] + b[i] || product[i] != a[i] * b[i])
                    {
                        failures.Enqueue($"thread {thread} run {run} element {i}: sum {sum[i]} product {product[i]} for a={a[i]} b={b[i]}");
                    }
                }
                Interlocked.Increment(ref completed);
            }
        });

        Assert.Empty(failures);
        Assert.Equal(Threads * RunsPerThread, completed);
    }

    [Fact]
    public void Run_SixteenThreadsWithStringTensors_EveryResultBelongsToItsOwnInputs()
    {
        using var session = TestModels.Open(TestModels.Identity("string"));
        var failures = new ConcurrentQueue<string>();

        RunOnThreads(thread =>
        {
            for (var run = 0; run < RunsPerThread / 5; run++)
            {
                string[] input = [$"t{thread}", $"r{run}", $"ü{thread * run}"];
                using var x = OrtValue.CreateStringTensor(input, [1, 3]);
                using var outputs = session.RunOwned(["x"], [x], ["y"]);
                var output = outputs[0].GetStrings();
                if (!output.SequenceEqual(input))
                {
                    failures.Enqueue($"thread {thread} run {run}: [{string.Join(", ", output)}]");
                }
            }
        });

        Assert.Empty(failures);
    }

    [Fact]
    public void Dispose_WhileARunIsInFlight_LetsTheRunFinishCorrectly()
    {
        const int n = 384;
        var input = SlowModel.Input(n);
        float[] expected;
        using (var reference = InferenceSession.Create(TestModels.Slow))
        {
            expected = reference.RunFloat(input, n, n);
        }
        var session = InferenceSession.Create(TestModels.Slow);
        using var x = OrtValue.CreateTensor<float>(input, [n, n]);
        using var run = BackgroundRun.Start(session, x);
        session.Dispose();
        var stillRunning = run.IsRunning;
        var actual = run.Join();

        Assert.True(stillRunning, "the run finished before the session was disposed; the test proves nothing");
        Assert.Equal(expected, actual);
        Assert.Throws<ObjectDisposedException>(() => session.Run(["x"], [x], ["y"]));
    }

    [Fact]
    public void Dispose_InputWhileARunReadsIt_KeepsTheMemoryPinnedUntilTheRunReturns()
    {
        // A disposed input that a run still uses must stay pinned: unpinned, the garbage collector could move the
        // array while ONNX Runtime reads it. Observed through the number of pinned objects a full GC finds.
        const int n = 512;
        var input = SlowModel.Input(n);
        using var session = InferenceSession.Create(TestModels.Slow);
        var expected = session.RunFloat(input, n, n);
        var pinnedBefore = PinnedObjectsAfterFullGc();
        var x = OrtValue.CreateTensor<float>(input, [n, n]);
        using var run = BackgroundRun.Start(session, x);
        x.Dispose();
        var pinnedWhileRunning = PinnedObjectsAfterFullGc();
        var stillRunning = run.IsRunning;
        var actual = run.Join();
        var pinnedAfter = PinnedObjectsAfterFullGc();

        Assert.True(stillRunning, "the run finished before the input was disposed; the test proves nothing");
        Assert.Equal(pinnedBefore + 1, pinnedWhileRunning);
        Assert.Equal(pinnedBefore, pinnedAfter);
        Assert.Equal(expected, actual);
    }

    /// <summary>One run of slow.onnx on a thread of its own, started and given 50 ms to get into ONNX Runtime.</summary>
    private sealed class BackgroundRun : IDisposable
    {
        private readonly Thread _thread;
        private float[]? _result;
        private Exception? _failure;

        private BackgroundRun(InferenceSession session, OrtValue x)
        {
            using var started = new ManualResetEventSlim();
            _thread = new Thread(() =>
            {
                try
                {
                    started.Set();
                    using var outputs = session.RunOwned(["x"], [x], ["y"]);
                    _result = outputs[0].GetTensorData<float>().ToArray();
                }
                catch (Exception e)
                {
                    _failure = e;
                }
            });
            _thread.Start();
            started.Wait();
            Thread.Sleep(50);
        }

        public bool IsRunning => _thread.IsAlive;

        public static BackgroundRun Start(InferenceSession session, OrtValue x) => new(session, x);

        /// <summary>Waits for the run and returns its output, failing the test if it threw.</summary>
        public float[] Join()
        {
            _thread.Join();
            Assert.Null(_failure);
            return Assert.IsType<float[]>(_result);
        }

        public void Dispose() => _thread.Join();
    }

    private static long PinnedObjectsAfterFullGc()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetGCMemoryInfo(GCKind.FullBlocking).PinnedObjectsCount;
    }

    private static void RunOnThreads(Action<int> body)
    {
        using var barrier = new Barrier(Threads);
        var errors = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                barrier.SignalAndWait();
                body(t);
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(errors);
    }
}
