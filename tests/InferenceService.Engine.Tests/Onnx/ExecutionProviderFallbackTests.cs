using InferenceService.Engine.Onnx;

namespace InferenceService.Engine.Tests.Onnx;

/// <summary>
/// The machines the tests run on have no GPU and no CUDA libraries. With the Gpu package (the default build) the CUDA
/// and TensorRT providers are in the build but their libraries cannot load; with the Cpu package they are not in the
/// build at all. Either way every GPU provider must fall back and say why in words an operator can act on, or fail
/// loudly when the GPU is required.
/// </summary>
public class ExecutionProviderFallbackTests
{
    private static bool IsGpuBuild => OnnxRuntimeEnvironment.Instance.AvailableProviders.Contains(CudaExecutionProvider.ProviderName);

    [Fact]
    public void Create_CudaWithFallback_ReasonIsTheLoadersOwnErrorWithoutFolders()
    {
        using var session = OnnxSession.Create(TestModels.FixedShape, TestModels.SingleThreaded with { ExecutionProviders = [new CudaExecutionProvider()] });

        var reason = Assert.Single(session.FallbackReasons);
        if (IsGpuBuild)
        {
            // The provider links the CUDA 13 libraries; the loader names the first one it cannot find.
            Assert.Matches(@"^CUDAExecutionProvider could not be enabled: its library libonnxruntime_providers_cuda\.so cannot be loaded: lib\w+\.so\.\d+: cannot open shared object file", reason);
        }
        else
        {
            Assert.StartsWith("CUDAExecutionProvider is not part of this ONNX Runtime build (it has: CPUExecutionProvider", reason, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("/", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoaderReason_RuntimeMessage_KeepsTheLastLineAndCutsFolders()
    {
        const string message = "Unable to load shared library '/app/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so' or one of its dependencies. Consider LD_DEBUG: \n/usr/lib/libcublasLt.so.13: cannot open shared object file: No such file or directory\n";

        Assert.Equal("libcublasLt.so.13: cannot open shared object file: No such file or directory.", ProviderLibraryProbe.LoaderReason(message));
    }

    [Fact]
    public void Create_CudaWithFallback_RunsOnCpuAndSaysWhy()
    {
        var options = TestModels.SingleThreaded with { ExecutionProviders = [new CudaExecutionProvider()], FallbackToCpu = true };

        using var session = OnnxSession.Create(TestModels.FixedShape, options);

        Assert.Equal([CpuExecutionProvider.ProviderName], session.ExecutionProviders);
        var reason = Assert.Single(session.FallbackReasons);
        Assert.StartsWith("CUDAExecutionProvider", reason, StringComparison.Ordinal);
        Assert.Equal([1f, 1, 1, 1, 1, 1], session.RunFloat(new float[6], 2, 3));
    }

    [Fact]
    public void Create_CudaWithoutFallback_ThrowsExecutionProviderFailure()
    {
        var options = new SessionSettings { ExecutionProviders = [new CudaExecutionProvider { DeviceId = 0 }], FallbackToCpu = false };

        var e = Assert.Throws<ExecutionProviderException>(() => OnnxSession.Create(TestModels.FixedShape, options));

        Assert.StartsWith("CUDAExecutionProvider", e.Message, StringComparison.Ordinal);
        Assert.Contains("require_gpu", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TensorRtWithFallback_RunsOnCpuAndSaysWhy()
    {
        var options = TestModels.SingleThreaded with
        {
            ExecutionProviders = [new TensorRtExecutionProvider { Fp16 = true, EngineCachePath = Path.GetTempPath() }],
        };

        using var session = OnnxSession.Create(TestModels.FixedShape, options);

        Assert.Equal([CpuExecutionProvider.ProviderName], session.ExecutionProviders);
        Assert.StartsWith("TensorrtExecutionProvider", Assert.Single(session.FallbackReasons), StringComparison.Ordinal);
        Assert.Equal([2f, 2, 2, 2, 2, 2], session.RunFloat([1, 1, 1, 1, 1, 1], 2, 3));
    }

    [Fact]
    public void Create_TensorRtWithoutFallback_ThrowsExecutionProviderFailure()
    {
        var options = new SessionSettings { ExecutionProviders = [new TensorRtExecutionProvider()], FallbackToCpu = false };

        var e = Assert.Throws<ExecutionProviderException>(() => OnnxSession.Create(TestModels.FixedShape, options));

        Assert.StartsWith("TensorrtExecutionProvider", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TensorRtThenCudaThenCpu_ReportsOneReasonPerGpuProviderInOrder()
    {
        var options = TestModels.SingleThreaded with
        {
            ExecutionProviders = [new TensorRtExecutionProvider(), new CudaExecutionProvider(), new CpuExecutionProvider()],
        };

        using var session = OnnxSession.Create(TestModels.FixedShape, options);

        Assert.Equal([CpuExecutionProvider.ProviderName], session.ExecutionProviders);
        Assert.Collection(
            session.FallbackReasons,
            r => Assert.StartsWith(TensorRtExecutionProvider.ProviderName, r, StringComparison.Ordinal),
            r => Assert.StartsWith(CudaExecutionProvider.ProviderName, r, StringComparison.Ordinal));
    }

    [Fact]
    public void Create_OnlyCpuRequested_HasNoFallbackReasons()
    {
        using var session = OnnxSession.Create(
            TestModels.FixedShape,
            TestModels.SingleThreaded with { ExecutionProviders = [new CpuExecutionProvider()], FallbackToCpu = false });

        Assert.Equal([CpuExecutionProvider.ProviderName], session.ExecutionProviders);
        Assert.Empty(session.FallbackReasons);
    }

    [Fact]
    public void Providers_Names_MatchOnnxRuntimeNames()
    {
        Assert.Equal("CUDAExecutionProvider", new CudaExecutionProvider().Name);
        Assert.Equal("TensorrtExecutionProvider", new TensorRtExecutionProvider().Name);
        Assert.Equal("CPUExecutionProvider", new CpuExecutionProvider().Name);
        Assert.Equal(CpuExecutionProvider.ProviderName, OnnxRuntimeEnvironment.Instance.AvailableProviders[^1]);
    }

    [Fact]
    public void CudaProviderOptions_Defaults_AreOnnxRuntimeKeysAndValues()
    {
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["device_id"] = "0",
                ["cudnn_conv_algo_search"] = "EXHAUSTIVE",
                ["do_copy_in_default_stream"] = "1",
            },
            new CudaExecutionProvider().ProviderOptions());
    }

    [Fact]
    public void CudaProviderOptions_Customised_CarryEverySetting()
    {
        var cuda = new CudaExecutionProvider
        {
            DeviceId = 3,
            GpuMemoryLimitBytes = 8L << 30,
            ConvolutionAlgorithmSearch = CudnnConvolutionAlgorithmSearch.Heuristic,
            CopyInDefaultStream = false,
        };

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["device_id"] = "3",
                ["cudnn_conv_algo_search"] = "HEURISTIC",
                ["do_copy_in_default_stream"] = "0",
                ["gpu_mem_limit"] = "8589934592",
            },
            cuda.ProviderOptions());
    }

    [Fact]
    public void TensorRtProviderOptions_WithEngineCache_EnableTheCacheAtThatPath()
    {
        var trt = new TensorRtExecutionProvider { DeviceId = 1, Fp16 = true, EngineCachePath = "/var/cache/trt" };

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["device_id"] = "1",
                ["trt_fp16_enable"] = "1",
                ["trt_engine_cache_enable"] = "1",
                ["trt_engine_cache_path"] = "/var/cache/trt",
            },
            trt.ProviderOptions());
        Assert.DoesNotContain(new TensorRtExecutionProvider().ProviderOptions(), p => p.Key.StartsWith("trt_engine_cache", StringComparison.Ordinal));
    }
}
