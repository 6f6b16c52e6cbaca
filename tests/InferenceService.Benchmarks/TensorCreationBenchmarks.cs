using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Benchmarks;

/// <summary>
/// Creating an input tensor from data the caller already has in an array, for 1 KiB and 1 MiB of floats. The
/// baseline copies the data into a new array first (what a binding without zero-copy tensors has to do); ONNX
/// Runtime's CreateTensorValueFromMemory over the caller's array copies nothing, so its time and allocation should not
/// grow with the size.
/// </summary>
[MemoryDiagnoser]
public class TensorCreationBenchmarks
{
    private float[] _data = null!;
    private long[] _shape = null!;

    [Params(1024, 1024 * 1024)]
    public int Bytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new float[Bytes / sizeof(float)];
        for (var i = 0; i < _data.Length; i++)
        {
            _data[i] = i;
        }
        _shape = [1, _data.Length];
    }

    /// <summary>Copy into a new managed array, then create the tensor over the copy.</summary>
    [Benchmark(Baseline = true)]
    public long CopyThenCreate()
    {
        var copy = _data.AsSpan().ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(copy, _shape);
        return value.GetTensorTypeAndShape().ElementCount;
    }

    /// <summary>A tensor over the caller's array: pinned, not copied.</summary>
    [Benchmark]
    public long ZeroCopy()
    {
        using var value = OrtValue.CreateTensorValueFromMemory(_data, _shape);
        return value.GetTensorTypeAndShape().ElementCount;
    }

    /// <summary>ONNX Runtime allocates the tensor natively and the data is copied into it: no managed allocation, but a copy.</summary>
    [Benchmark]
    public long CopyIntoNativeTensor()
    {
        using var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, _shape);
        _data.AsSpan().CopyTo(value.GetTensorMutableDataAsSpan<float>());
        return value.GetTensorTypeAndShape().ElementCount;
    }
}
