using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;

using System.Diagnostics;

namespace InferenceService.Engine.Tests.Onnx;

/// <summary>
/// Cancellation of runs of slow.onnx (400 chained Tanh(MatMul(t, x)) steps on an n×n input). ONNX Runtime checks the
/// terminate flag between nodes, so a cancelled run stops within one MatMul.
/// </summary>
[Collection(SerialCollection.Name)]
public class OnnxSessionCancellationTests
{
    private static readonly TimeSpan CancelAfter = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// An n whose full run (400 MatMuls of n×n, about 2.9 TFLOP) takes many seconds even on a fast machine, so a run
    /// cancelled after a fraction of a second is surely still running; one MatMul stays well under a second.
    /// </summary>
    private const int LongRunSize = 1536;

    [Fact]
    public void Run_CancelledAfter200Milliseconds_ThrowsLongBeforeAFullRunWouldFinish()
    {
        using var session = OnnxSession.Create(TestModels.Slow);
        var (n, fullRun) = SizeForAFullRunOfAtLeast(session, TimeSpan.FromSeconds(2));
        using var x = OrtValue.CreateTensorValueFromMemory(SlowModel.Input(n), [n, n]);
        using var cts = new CancellationTokenSource();

        var stopwatch = Stopwatch.StartNew();
        var canceller = CancelFromAThreadOfItsOwn(cts, CancelAfter);
        var e = Assert.ThrowsAny<OperationCanceledException>(() => session.Run(["x"], [x], ["y"], cts.Token));
        var cancelledAfter = stopwatch.Elapsed;
        canceller.Join();

        Assert.Equal(cts.Token, e.CancellationToken);
        var fromOnnxRuntime = Assert.IsType<OnnxRuntimeException>(e.InnerException); // ONNX Runtime itself stopped the run
        Assert.Contains("terminate", fromOnnxRuntime.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(cancelledAfter >= CancelAfter - TimeSpan.FromMilliseconds(20), $"returned after {cancelledAfter}, before the cancellation");
        Assert.True(
            cancelledAfter < fullRun / 2 && cancelledAfter < CancelAfter + TimeSpan.FromSeconds(1),
            $"n={n}: cancelled run returned after {cancelledAfter.TotalMilliseconds:F0} ms; a full run takes {fullRun.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void Run_TokenAlreadyCancelled_ThrowsWithoutCallingOnnxRuntime()
    {
        const int n = 1024; // a full run takes seconds here
        using var session = OnnxSession.Create(TestModels.Slow);
        using var x = OrtValue.CreateTensorValueFromMemory(SlowModel.Input(n), [n, n]);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var stopwatch = Stopwatch.StartNew();
        var e = Assert.ThrowsAny<OperationCanceledException>(() => session.Run(["x"], [x], ["y"], cts.Token));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromMilliseconds(500), $"took {stopwatch.Elapsed}");
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Null(e.InnerException); // no ONNX Runtime status: the binding refused before running
    }

    [Fact]
    public void Run_AfterACancelledRun_SessionGivesCorrectResults()
    {
        using var session = OnnxSession.Create(TestModels.Slow);
        using (var x = OrtValue.CreateTensorValueFromMemory(SlowModel.Input(LongRunSize), [LongRunSize, LongRunSize]))
        using (var cts = new CancellationTokenSource())
        {
            var canceller = CancelFromAThreadOfItsOwn(cts, TimeSpan.FromMilliseconds(100));
            Assert.ThrowsAny<OperationCanceledException>(() => session.Run(["x"], [x], ["y"], cts.Token));
            canceller.Join();
        }

        const int n = 5;
        var input = SlowModel.Contracting(n);
        var actual = session.RunFloat(input, n, n);

        var expected = SlowModel.Reference(input, n);
        Assert.Equal(n * n, actual.Length);
        for (var i = 0; i < actual.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-4);
        }
        Assert.Contains(actual, v => Math.Abs(v) > 0.1); // the reference is not trivially zero
    }

    [Fact]
    public void Run_CancellingOneRun_LeavesConcurrentRunsOnTheSameSessionAlone()
    {
        const int small = 96;
        using var session = OnnxSession.Create(TestModels.Slow);
        var smallInput = SlowModel.Input(small);
        var expected = session.RunFloat(smallInput, small, small);
        Exception? cancelled = null;

        var cancelledRun = new Thread(() =>
        {
            using var x = OrtValue.CreateTensorValueFromMemory(SlowModel.Input(LongRunSize), [LongRunSize, LongRunSize]);
            using var cts = new CancellationTokenSource();
            var canceller = CancelFromAThreadOfItsOwn(cts, TimeSpan.FromMilliseconds(300));
            try
            {
                session.Run(["x"], [x], ["y"], cts.Token);
            }
            catch (Exception e)
            {
                cancelled = e;
            }
            canceller.Join();
        });
        cancelledRun.Start();
        var concurrentRuns = 0;
        while (cancelledRun.IsAlive || concurrentRuns == 0)
        {
            Assert.Equal(expected, session.RunFloat(smallInput, small, small));
            concurrentRuns++;
        }
        cancelledRun.Join();

        Assert.IsAssignableFrom<OperationCanceledException>(cancelled);
        Assert.True(concurrentRuns > 1, $"only {concurrentRuns} run(s) overlapped the cancelled one");
    }

    /// <summary>
    /// Cancels <paramref name="cts"/> after <paramref name="delay"/> from a thread of its own: a timer's callback needs
    /// a thread-pool thread, which a loaded 2-core machine may not hand out for a second, and that would measure the
    /// pool, not the binding.
    /// </summary>
    private static Thread CancelFromAThreadOfItsOwn(CancellationTokenSource cts, TimeSpan delay)
    {
        var canceller = new Thread(() =>
        {
            Thread.Sleep(delay);
            cts.Cancel();
        });
        canceller.Start();
        return canceller;
    }

    /// <summary>Grows n until one uncancelled run takes at least <paramref name="target"/>; returns n and that run's time.</summary>
    private static (int N, TimeSpan FullRun) SizeForAFullRunOfAtLeast(OnnxSession session, TimeSpan target)
    {
        var n = 256;
        TimeSpan elapsed;
        _ = session.RunFloat(SlowModel.Input(64), 64, 64); // warm-up: threads, arena
        while (true)
        {
            var input = SlowModel.Input(n);
            var stopwatch = Stopwatch.StartNew();
            _ = session.RunFloat(input, n, n);
            elapsed = stopwatch.Elapsed;
            if (elapsed >= target || n >= 2048)
            {
                return (n, elapsed);
            }
            // The cost grows as n³; aim a little above the target, in multiples of 64.
            var scale = Math.Cbrt(target.TotalSeconds * 1.3 / Math.Max(elapsed.TotalSeconds, 0.001));
            n = Math.Min(2048, Math.Max(n + 64, (int)Math.Ceiling(n * scale / 64) * 64));
        }
    }
}

/// <summary>Inputs for slow.onnx and a reference implementation of it.</summary>
internal static class SlowModel
{
    public const int Steps = 400;

    /// <summary>Arbitrary small values: their only job is to make the run take time.</summary>
    public static float[] Input(int n) =>
        Enumerable.Range(0, n * n).Select(i => ((i * 7919) % 13 - 6) * 0.01f).ToArray();

    /// <summary>1.2·I plus a little: tanh(t·x) then converges to a non-zero fixed point, so float and double agree.</summary>
    public static float[] Contracting(int n) =>
        Enumerable.Range(0, n * n).Select(i => (i / n == i % n ? 1.2f : 0f) + ((i * 31) % 7 - 3) * 0.02f).ToArray();

    /// <summary>y = tanh(...tanh(tanh(x·x)·x)...·x), <see cref="Steps"/> times, in double precision.</summary>
    public static double[] Reference(float[] x, int n)
    {
        var t = x.Select(v => (double)v).ToArray();
        var next = new double[n * n];
        for (var step = 0; step < Steps; step++)
        {
            for (var r = 0; r < n; r++)
            {
                for (var c = 0; c < n; c++)
                {
                    double sum = 0;
                    for (var k = 0; k < n; k++)
                    {
                        sum += t[r * n + k] * x[k * n + c];
                    }
                    next[r * n + c] = Math.Tanh(sum);
                }
            }
            (t, next) = (next, t);
        }
        return t;
    }
}
