using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>
/// A Run shared by several requests, on spin.onnx (a Loop of max(steps) Tanh steps): one caller leaving does not
/// disturb it; once every caller has left, it is stopped and the instance is free again.
/// </summary>
public sealed class SharedRunCancellationTests : SchedulerFixture
{
    // Far more steps than run in the test's waits on any machine (a Loop step takes a microsecond or more), yet a
    // finite count: were the Run not stopped, the test would fail and the fixture's disposal wait minutes, not forever.
    private const long Endless = 20_000_000;

    private Task<InferenceResult> Spin(LoadedModel model, int rows, long steps, CancellationToken cancellationToken)
    {
        var x = Keep(InputTensor.Rent("x", TensorElementType.Float, [rows, 4]));
        x.GetData<float>().Fill(0.5f);
        var count = Keep(InputTensor.Rent("steps", TensorElementType.Int64, [rows, 1]));
        count.GetData<long>().Fill(steps);
        return Pipeline.InferAsync(model, [x, count], null, cancellationToken);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Patience, what);
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Run_EveryRequestOfASharedRunCancelled_StopsTheRunAndFreesTheInstance()
    {
        var model = Model("""{ "max_batch_size": 8, "dynamic_batching": { } }""", file: "spin.onnx");
        // A full batch of no steps runs at once; the observer then holds the instance, so the next two queue together.
        var occupying = Spin(model, 8, 0, default);
        await Observer.WaitForRunAsync();
        using var leaveFirst = new CancellationTokenSource();
        using var leaveSecond = new CancellationTokenSource();
        var first = Spin(model, 1, Endless, leaveFirst.Token);
        var second = Spin(model, 1, Endless, leaveSecond.Token);
        await WaitUntilAsync(() => model.QueueDepth == 2, "The two requests were not queued.");
        Observer.Release();
        (await occupying.WaitAsync(Patience)).Dispose();
        await WaitUntilAsync(() => model.QueueDepth == 0 && model.InFlight == 2, "The two requests did not go into a Run.");

        await leaveFirst.CancelAsync();
        await SettleAsync();
        var afterOneLeft = (first.IsCompleted, second.IsCompleted);
        await leaveSecond.CancelAsync();
        Observer.Release(10);

        Assert.Equal((false, false), afterOneLeft); // the Run went on for the second
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.WaitAsync(Patience));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(Patience));
        Assert.Contains(Observer.Runs, r => r.Requests == 2 && !r.Succeeded);
        using var next = await Spin(model, 1, 2, default).WaitAsync(Patience);
        var tanhTwice = MathF.Tanh(MathF.Tanh(0.5f));
        Assert.All(next.Values[0].GetTensorData<float>().ToArray(), v => Assert.Equal(tanhTwice, v, 1e-6f)); // ONNX Runtime's Tanh is an approximation
    }
}
