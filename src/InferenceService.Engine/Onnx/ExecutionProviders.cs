using System.Globalization;

namespace InferenceService.Engine.Onnx;

/// <summary>An execution provider a session may run on, with its options. The CPU provider is always there, last.</summary>
public abstract record ExecutionProvider
{
    /// <summary>The provider's name as ONNX Runtime reports it (e.g. <c>CUDAExecutionProvider</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The provider's options as ONNX Runtime's provider-options keys.</summary>
    internal abstract Dictionary<string, string> ProviderOptions();
}

/// <summary>The default CPU provider, always available.</summary>
public sealed record CpuExecutionProvider : ExecutionProvider
{
    public const string ProviderName = "CPUExecutionProvider";

    public override string Name => ProviderName;

    internal override Dictionary<string, string> ProviderOptions() => [];
}

/// <summary>How cuDNN picks convolution algorithms (<c>cudnn_conv_algo_search</c>).</summary>
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

    internal override Dictionary<string, string> ProviderOptions()
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = DeviceId.ToString(CultureInfo.InvariantCulture),
            ["cudnn_conv_algo_search"] = ConvolutionAlgorithmSearch switch
            {
                CudnnConvolutionAlgorithmSearch.Heuristic => "HEURISTIC",
                CudnnConvolutionAlgorithmSearch.Default => "DEFAULT",
                _ => "EXHAUSTIVE",
            },
            ["do_copy_in_default_stream"] = CopyInDefaultStream ? "1" : "0",
        };
        if (GpuMemoryLimitBytes is { } limit)
        {
            options["gpu_mem_limit"] = limit.ToString(CultureInfo.InvariantCulture);
        }
        return options;
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

    internal override Dictionary<string, string> ProviderOptions()
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = DeviceId.ToString(CultureInfo.InvariantCulture),
            ["trt_fp16_enable"] = Fp16 ? "1" : "0",
        };
        if (EngineCachePath is not null)
        {
            options["trt_engine_cache_enable"] = "1";
            options["trt_engine_cache_path"] = EngineCachePath;
        }
        return options;
    }
}
