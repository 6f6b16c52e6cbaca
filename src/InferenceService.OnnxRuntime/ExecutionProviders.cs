namespace InferenceService.OnnxRuntime;

/// <summary>An ONNX Runtime execution provider to ask for, with its options. Listed in order of preference.</summary>
public abstract record ExecutionProvider
{
    /// <summary>ONNX Runtime's name for the provider, as <see cref="OrtEnvironment.AvailableProviders"/> lists it.</summary>
    public abstract string Name { get; }

    /// <summary>Whether the provider runs on a GPU (and may therefore be unavailable and fall back to the CPU).</summary>
    public virtual bool IsGpu => true;
}

/// <summary>The default CPU provider. ONNX Runtime always has it, and uses it for any node a GPU provider cannot run.</summary>
public sealed record CpuExecutionProvider : ExecutionProvider
{
    public const string ProviderName = "CPUExecutionProvider";

    public override string Name => ProviderName;

    public override bool IsGpu => false;
}

/// <summary>How cuDNN picks convolution algorithms (<c>OrtCudnnConvAlgoSearch</c>).</summary>
public enum CudnnConvolutionAlgorithmSearch
{
    /// <summary>Benchmark every algorithm once per shape: slower first run, fastest steady state.</summary>
    Exhaustive = 0,

    /// <summary>cuDNN's heuristics: no benchmarking.</summary>
    Heuristic = 1,

    /// <summary>The default algorithm.</summary>
    Default = 2,
}

/// <summary>NVIDIA CUDA, on one GPU.</summary>
public sealed record CudaExecutionProvider : ExecutionProvider
{
    public const string ProviderName = "CUDAExecutionProvider";

    public override string Name => ProviderName;

    public int DeviceId { get; init; }

    /// <summary>The most GPU memory the provider's arena may hold, in bytes. Null: no limit.</summary>
    public long? GpuMemoryLimitBytes { get; init; }

    public CudnnConvolutionAlgorithmSearch ConvolutionAlgorithmSearch { get; init; } = CudnnConvolutionAlgorithmSearch.Exhaustive;

    /// <summary>Copy inputs and outputs in the default CUDA stream (ONNX Runtime's default: true).</summary>
    public bool CopyInDefaultStream { get; init; } = true;

    internal IEnumerable<KeyValuePair<string, string>> NativeOptions()
    {
        yield return new("device_id", DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("cudnn_conv_algo_search", ConvolutionAlgorithmSearch switch
        {
            CudnnConvolutionAlgorithmSearch.Heuristic => "HEURISTIC",
            CudnnConvolutionAlgorithmSearch.Default => "DEFAULT",
            _ => "EXHAUSTIVE",
        });
        yield return new("do_copy_in_default_stream", CopyInDefaultStream ? "1" : "0");
        if (GpuMemoryLimitBytes is { } limit)
        {
            yield return new("gpu_mem_limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

/// <summary>NVIDIA TensorRT, which compiles the graph into engines (first run per shape is slow; cache them).</summary>
public sealed record TensorRtExecutionProvider : ExecutionProvider
{
    public const string ProviderName = "TensorrtExecutionProvider";

    public override string Name => ProviderName;

    public int DeviceId { get; init; }

    /// <summary>Let TensorRT use FP16 kernels.</summary>
    public bool Fp16 { get; init; }

    /// <summary>A folder where built engines are cached across restarts. Null: no cache.</summary>
    public string? EngineCachePath { get; init; }

    internal IEnumerable<KeyValuePair<string, string>> NativeOptions()
    {
        yield return new("device_id", DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("trt_fp16_enable", Fp16 ? "1" : "0");
        if (EngineCachePath is not null)
        {
            yield return new("trt_engine_cache_enable", "1");
            yield return new("trt_engine_cache_path", EngineCachePath);
        }
    }
}
