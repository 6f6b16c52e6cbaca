namespace InferenceService.OnnxRuntime.Tests;

/// <summary>
/// This machine has no GPU, and the ONNX Runtime build used by the tests has no CUDA or TensorRT provider library
/// beside it (it lists both as available, but loading them fails): every GPU provider must fall back, or fail loudly.
/// </summary>
public class ExecutionProviderFallbackTests
{
    [Fact]
    public void Create_CudaWithFallback_RunsOnCpuAndSaysWhy()
    {
        var options = TestModels.SingleThreaded with { ExecutionProviders = [new CudaExecutionProvider()], FallbackToCpu = true };

        using var session = InferenceSession.Create(TestModels.FixedShape, options);

        Assert.Equal([CpuExecutionProvider.ProviderName], session.ExecutionProviders);
        var reason = Assert.Single(session.FallbackReasons);
        Assert.StartsWith("CUDAExecutionProvider", reason, StringComparison.Ordinal);
        Assert.Equal([1f, 1, 1, 1, 1, 1], session.RunFloat(new float[6], 2, 3));
    }

    [Fact]
    public void Create_CudaWithoutFallback_ThrowsExecutionProviderFailure()
    {
        var options = new SessionOptions { ExecutionProviders = [new CudaExecutionProvider { DeviceId = 0 }], FallbackToCpu = false };

        var e = Assert.Throws<OrtException>(() => InferenceSession.Create(TestModels.FixedShape, options));

        Assert.Equal(OrtErrorCode.ExecutionProviderFailure, e.ErrorCode);
        Assert.Contains("CUDAExecutionProvider", e.Message, StringComparison.Ordinal);
        Assert.Contains("FallbackToCpu", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TensorRtWithFallback_RunsOnCpuAndSaysWhy()
    {
        var options = TestModels.SingleThreaded with
        {
            ExecutionProviders = [new TensorRtExecutionProvider { Fp16 = true, EngineCachePath = Path.GetTempPath() }],
        };

        using var session = InferenceSession.Create(TestModels.FixedShape, options);

        Assert.Equal([CpuExecutionProvider.ProviderName], session.ExecutionProviders);
        Assert.StartsWith("TensorrtExecutionProvider", Assert.Single(session.FallbackReasons), StringComparison.Ordinal);
        Assert.Equal([2f, 2, 2, 2, 2, 2], session.RunFloat([1, 1, 1, 1, 1, 1], 2, 3));
    }

    [Fact]
    public void Create_TensorRtWithoutFallback_ThrowsExecutionProviderFailure()
    {
        var options = new SessionOptions { ExecutionProviders = [new TensorRtExecutionProvider()], FallbackToCpu = false };

        var e = Assert.Throws<OrtException>(() => InferenceSession.Create(TestModels.FixedShape, options));

        Assert.Equal(OrtErrorCode.ExecutionProviderFailure, e.ErrorCode);
        Assert.Contains("TensorrtExecutionProvider", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TensorRtThenCudaThenCpu_ReportsOneReasonPerGpuProviderInOrder()
    {
        var options = TestModels.SingleThreaded with
        {
            ExecutionProviders = [new TensorRtExecutionProvider(), new CudaExecutionProvider(), new CpuExecutionProvider()],
        };

        using var session = InferenceSession.Create(TestModels.FixedShape, options);

        Assert.Equal([CpuExecutionProvider.ProviderName], session.ExecutionProviders);
        Assert.Collection(
            session.FallbackReasons,
            r => Assert.StartsWith(TensorRtExecutionProvider.ProviderName, r, StringComparison.Ordinal),
            r => Assert.StartsWith(CudaExecutionProvider.ProviderName, r, StringComparison.Ordinal));
    }

    [Fact]
    public void Create_OnlyCpuRequested_HasNoFallbackReasons()
    {
        using var session = InferenceSession.Create(
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
        Assert.True(new CudaExecutionProvider().IsGpu);
        Assert.False(new CpuExecutionProvider().IsGpu);
        Assert.Contains(CudaExecutionProvider.ProviderName, OrtEnvironment.Instance.AvailableProviders);
        Assert.Contains(TensorRtExecutionProvider.ProviderName, OrtEnvironment.Instance.AvailableProviders);
    }

    [Fact]
    public void CudaNativeOptions_Defaults_AreOnnxRuntimeKeysAndValues()
    {
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["device_id"] = "0",
                ["cudnn_conv_algo_search"] = "EXHAUSTIVE",
                ["do_copy_in_default_stream"] = "1",
            },
            new CudaExecutionProvider().NativeOptions().ToDictionary());
    }

    [Fact]
    public void CudaNativeOptions_Customised_CarryEverySetting()
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
            cuda.NativeOptions().ToDictionary());
    }

    [Fact]
    public void TensorRtNativeOptions_WithEngineCache_EnableTheCacheAtThatPath()
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
            trt.NativeOptions().ToDictionary());
        Assert.DoesNotContain(new TensorRtExecutionProvider().NativeOptions(), p => p.Key.StartsWith("trt_engine_cache", StringComparison.Ordinal));
    }
}
