namespace InferenceService.OnnxRuntime.Native;

/// <summary>
/// Turns a <see cref="SessionOptions"/> into a native <c>OrtSessionOptions</c>, appending the execution providers
/// that can be used here and recording why the others cannot.
/// </summary>
internal static unsafe class NativeSessionOptions
{
    /// <param name="options">What the caller asked for.</param>
    /// <param name="withGpuProviders">False to build a CPU-only variant (the fallback after a GPU provider failed).</param>
    /// <param name="appended">Receives the names of the providers appended, in order.</param>
    /// <param name="fallbackReasons">Receives one line per GPU provider that was asked for but could not be appended.</param>
    public static OrtHandle Create(SessionOptions options, bool withGpuProviders, List<string> appended, List<string> fallbackReasons)
    {
        var api = OrtEnvironment.Api;
        IntPtr raw;
        OrtException.ThrowIfFailed(api.CreateSessionOptions(&raw));
        var handle = new OrtHandle(raw, api.ReleaseSessionOptions);
        try
        {
            Configure(api, raw, options);
            if (withGpuProviders)
            {
                foreach (var provider in options.ExecutionProviders)
                {
                    if (!provider.IsGpu)
                    {
                        continue;
                    }
                    var failure = TryAppend(api, raw, provider);
                    if (failure is null)
                    {
                        appended.Add(provider.Name);
                        continue;
                    }
                    if (!options.FallbackToCpu)
                    {
                        throw new OrtException(OrtErrorCode.ExecutionProviderFailure, failure + " The GPU is required (FallbackToCpu is off).");
                    }
                    fallbackReasons.Add(failure);
                }
            }
            appended.Add(CpuExecutionProvider.ProviderName);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void Configure(OrtApi api, IntPtr raw, SessionOptions options)
    {
        // ONNX Runtime takes a negative thread count as "default" without a word; a negative count is a mistake.
        RequireNotNegative(options.IntraOpThreads, nameof(SessionOptions.IntraOpThreads));
        RequireNotNegative(options.InterOpThreads, nameof(SessionOptions.InterOpThreads));
        OrtException.ThrowIfFailed(api.SetSessionGraphOptimizationLevel(raw, (int)options.GraphOptimizationLevel));
        OrtException.ThrowIfFailed(api.SetSessionExecutionMode(raw, (int)options.ExecutionMode));
        OrtException.ThrowIfFailed(api.SetIntraOpNumThreads(raw, options.IntraOpThreads));
        OrtException.ThrowIfFailed(api.SetInterOpNumThreads(raw, options.InterOpThreads));
        OrtException.ThrowIfFailed(options.EnableMemoryArena ? api.EnableCpuMemArena(raw) : api.DisableCpuMemArena(raw));
        if (options.LogId is not null)
        {
            fixed (byte* logId = Utf8.NullTerminated(options.LogId))
            {
                OrtException.ThrowIfFailed(api.SetSessionLogId(raw, logId));
            }
        }
        if (options.LogLevel is { } level)
        {
            OrtException.ThrowIfFailed(api.SetSessionLogSeverityLevel(raw, (int)level));
        }
        if (options.OptimizedModelPath is not null)
        {
            fixed (void* path = NativePath.Encode(options.OptimizedModelPath))
            {
                OrtException.ThrowIfFailed(api.SetOptimizedModelFilePath(raw, path));
            }
        }
        foreach (var (key, value) in options.ConfigEntries)
        {
            fixed (byte* k = Utf8.NullTerminated(key))
            fixed (byte* v = Utf8.NullTerminated(value))
            {
                OrtException.ThrowIfFailed(api.AddSessionConfigEntry(raw, k, v));
            }
        }
    }

    private static void RequireNotNegative(int threads, string name)
    {
        if (threads < 0)
        {
            throw new OrtException(OrtErrorCode.InvalidArgument, $"{name} cannot be negative ({threads}); 0 means ONNX Runtime's default.");
        }
    }

    /// <summary>Appends a GPU provider; returns null on success, else a sentence saying why it cannot be used.</summary>
    private static string? TryAppend(OrtApi api, IntPtr sessionOptions, ExecutionProvider provider)
    {
        var available = OrtEnvironment.Instance.AvailableProviders;
        if (!available.Contains(provider.Name))
        {
            return $"{provider.Name} is not part of this ONNX Runtime build (it has: {string.Join(", ", available)}).";
        }
        try
        {
            switch (provider)
            {
                case CudaExecutionProvider cuda:
                    AppendCuda(api, sessionOptions, cuda);
                    return null;
                case TensorRtExecutionProvider tensorRt:
                    AppendTensorRt(api, sessionOptions, tensorRt);
                    return null;
                default:
                    return $"{provider.Name} is not supported by this binding.";
            }
        }
        catch (OrtException e)
        {
            return $"{provider.Name} could not be enabled: {e.Message}";
        }
    }

    private static void AppendCuda(OrtApi api, IntPtr sessionOptions, CudaExecutionProvider cuda)
    {
        IntPtr providerOptions;
        OrtException.ThrowIfFailed(api.CreateCUDAProviderOptions(&providerOptions));
        try
        {
            var (keys, values) = Split(cuda.NativeOptions());
            OrtException.ThrowIfFailed(api.UpdateCUDAProviderOptions(providerOptions, keys.Pointers, values.Pointers, (nuint)keys.Count));
            GC.KeepAlive(keys);
            GC.KeepAlive(values);
            OrtException.ThrowIfFailed(api.SessionOptionsAppendExecutionProvider_CUDA_V2(sessionOptions, providerOptions));
        }
        finally
        {
            api.ReleaseCUDAProviderOptions(providerOptions);
        }
    }

    private static void AppendTensorRt(OrtApi api, IntPtr sessionOptions, TensorRtExecutionProvider tensorRt)
    {
        IntPtr providerOptions;
        OrtException.ThrowIfFailed(api.CreateTensorRTProviderOptions(&providerOptions));
        try
        {
            var (keys, values) = Split(tensorRt.NativeOptions());
            OrtException.ThrowIfFailed(api.UpdateTensorRTProviderOptions(providerOptions, keys.Pointers, values.Pointers, (nuint)keys.Count));
            GC.KeepAlive(keys);
            GC.KeepAlive(values);
            OrtException.ThrowIfFailed(api.SessionOptionsAppendExecutionProvider_TensorRT_V2(sessionOptions, providerOptions));
        }
        finally
        {
            api.ReleaseTensorRTProviderOptions(providerOptions);
        }
    }

    private static (PinnedUtf8Strings Keys, PinnedUtf8Strings Values) Split(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var list = pairs.ToArray();
        return (new PinnedUtf8Strings(list.Select(p => p.Key).ToArray()), new PinnedUtf8Strings(list.Select(p => p.Value).ToArray()));
    }
}
