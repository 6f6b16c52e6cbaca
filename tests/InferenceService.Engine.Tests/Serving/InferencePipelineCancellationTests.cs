using System.Diagnostics;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Tests.TestSupport;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Serving;

/// <summary>Cancelling a request whose run is in progress, on slow.onnx (400 chained MatMul + Tanh steps over x [n, n]).</summary>
public sealed class InferencePipelineCancellationTests : IDisposable
{
    private readonly LoadedModel _model = LoadedModel.WithScheduler(
        "slow", 1, new ModelConfig(),
        new SessionPool([OnnxSession.Create(TempRepository.TestModel("slow.onnx"))]),
        new Dictionary<string, IReadOnlyList<string>>());

    private readonly InferencePipeline _pipeline = new();

    public void Dispose() => _model.Dispose();

    private static InputTensor Square(int n, float value)
    {
        var tensor = InputTensor.Rent("x", TensorElementType.Float, [n, n]);
        tensor.GetData<float>().Fill(value);
        return tensor;
    }

    [Fact]
    public async Task InferAsync_CancelledDuringTheRun_StopsTheRunAndFreesTheInstance()
    {
        // n = 768 runs for about two seconds here; the cancellation comes 300 ms in, so it lands mid-run.
        using var large = Square(768, 0.01f);
        using var cancellation = new CancellationTokenSource();
        // Cancelled from a thread of its own: the run blocks its caller's thread, and a timer's callback would wait
        // for a free thread-pool thread, which on a small machine can take longer than the run.
        var canceller = new Thread(() =>
        {
            Thread.Sleep(300);
            cancellation.Cancel();
        })
        {
            IsBackground = true,
        };
        var clock = Stopwatch.StartNew();
        canceller.Start();

        // A run that was not terminated returns its outputs; only a terminated one throws.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _pipeline.InferAsync(_model, [large], null, cancellation.Token));

        // Loose on purpose (the exception already proves the run was terminated): a guard against a hang only.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"The cancelled run took {clock.Elapsed.TotalMilliseconds:F0} ms.");
        using var small = Square(2, 0);
        using var result = await _pipeline.InferAsync(_model, [small], null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([2L, 2L], result.Values[0].Shape);
        Assert.Equal([0f, 0, 0, 0], result.Values[0].GetTensorData<float>().ToArray());
    }
}
