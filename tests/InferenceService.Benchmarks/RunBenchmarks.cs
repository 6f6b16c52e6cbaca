using BenchmarkDotNet.Attributes;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Benchmarks;

/// <summary>
/// One run of a tiny model (identity_float.onnx, batch 1: three floats in, three out) through the binding: the
/// binding's own cost per run, with ONNX Runtime doing almost nothing. Each run returns an output the benchmark reads
/// and disposes, as a caller would.
/// </summary>
[MemoryDiagnoser]
public class RunBenchmarks
{
    private readonly float[] _input = [1, 2, 3];
    private InferenceSession _session = null!;
    private OrtValue _x = null!;
    private CancellationTokenSource _cts = null!;

    [GlobalSetup]
    public void Setup()
    {
        _session = OnnxSession.Create(BenchmarkModels.PathOf("identity_float.onnx"), new SessionOptions { IntraOpThreads = 1 });
        _x = OrtValue.CreateTensor<float>(_input, [1, 3]);
        _cts = new CancellationTokenSource();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _session.Dispose();
        _cts.Dispose();
    }

    /// <summary>Inputs and outputs named by name: the binding looks each name up.</summary>
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

    /// <summary>A cancellable run: the binding creates native run options and registers with the token.</summary>
    [Benchmark]
    public float RunByNameCancellable()
    {
        var outputs = _session.Run(["x"], [_x], ["y"], null, _cts.Token);
        return ReadAndDispose(outputs);
    }

    /// <summary>The whole round a server does per request: a fresh input tensor over the request's array, the run, the output.</summary>
    [Benchmark]
    public float CreateInputAndRunByName()
    {
        using var x = OrtValue.CreateTensor<float>(_input, [1, 3]);
        var outputs = _session.Run(["x"], [x], ["y"]);
        return ReadAndDispose(outputs);
    }

    private static float ReadAndDispose(OrtValue[] outputs)
    {
        var y = outputs[0];
        var value = y.GetTensorData<float>()[2];
        y.Dispose();
        return value;
    }
}
