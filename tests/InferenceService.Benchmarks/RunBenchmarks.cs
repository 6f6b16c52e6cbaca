using BenchmarkDotNet.Attributes;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Benchmarks;

/// <summary>
/// One run of a tiny model (identity_float.onnx, batch 1: three floats in, three out) through the engine's session
/// adapter over the official package: the cost of a run around ONNX Runtime, which does almost nothing here. Each run
/// returns an output the benchmark reads and disposes, as a caller would.
/// </summary>
[MemoryDiagnoser]
public class RunBenchmarks
{
    private readonly float[] _input = [1, 2, 3];
    private OnnxSession _session = null!;
    private OrtValue _x = null!;
    private CancellationTokenSource _cts = null!;

    [GlobalSetup]
    public void Setup()
    {
        _session = OnnxSession.Create(BenchmarkModels.PathOf("identity_float.onnx"), new SessionSettings { IntraOpThreads = 1 });
        _x = OrtValue.CreateTensorValueFromMemory(_input, [1, 3]);
        _cts = new CancellationTokenSource();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _session.Dispose();
        _cts.Dispose();
    }

    /// <summary>Inputs and outputs named by name: the adapter looks each name up.</summary>
    [Benchmark(Baseline = true)]
    public float RunByName()
    {
        var outputs = _session.Run(["x"], [_x], ["y"]);
        return ReadAndDispose(outputs);
    }

    /// <summary>Inputs and outputs named by position, resolved once by the caller.</summary>
    [Benchmark]
    public float RunByIndex()
    {
        var outputs = _session.Run([0], [_x], [0]);
        return ReadAndDispose(outputs);
    }

    /// <summary>A cancellable run: the adapter creates run options of its own and registers with the token.</summary>
    [Benchmark]
    public float RunByNameCancellable()
    {
        var outputs = _session.Run(["x"], [_x], ["y"], _cts.Token);
        return ReadAndDispose(outputs);
    }

    /// <summary>
    /// The whole round a server does per request: the input decoded into a pooled buffer, a tensor over it (no copy),
    /// the run by position, the output read as a span.
    /// </summary>
    [Benchmark]
    public float PooledInputAndRunByIndex()
    {
        using var input = InputTensor.Rent("x", TensorElementType.Float, [1, 3]);
        _input.CopyTo(input.GetData<float>());
        using var x = input.CreateOrtValue();
        var outputs = _session.Run([0], [x], [0]);
        return ReadAndDispose(outputs);
    }

    private static float ReadAndDispose(OrtValue[] outputs)
    {
        var y = outputs[0];
        var value = y.GetTensorDataAsSpan<float>()[2];
        y.Dispose();
        return value;
    }
}
