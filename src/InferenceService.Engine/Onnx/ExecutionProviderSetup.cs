using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Onnx;

/// <summary>
/// Builds ONNX Runtime's <see cref="SessionOptions"/> from <see cref="SessionSettings"/>: the settings, then each GPU
/// provider that can be used here, recording in words why each other one cannot.
/// </summary>
internal static class ExecutionProviderSetup
{
    /// <param name="settings">What the caller asked for.</param>
    /// <param name="withGpuProviders">False for the CPU-only variant (the fallback after a GPU provider failed).</param>
    /// <param name="appended">Receives the names of the providers in use, in order, the CPU last.</param>
    /// <param name="fallbackReasons">Receives one sentence per GPU provider asked for that could not be appended.</param>
    /// <exception cref="OnnxRuntimeException">A GPU provider cannot be used and <see cref="SessionSettings.FallbackToCpu"/> is off.</exception>
    public static SessionOptions Create(SessionSettings settings, bool withGpuProviders, List<string> appended, List<string> fallbackReasons)
    {
        var options = new SessionOptions();
        try
        {
            Configure(options, settings);
            foreach (var provider in withGpuProviders ? settings.ExecutionProviders : [])
            {
                if (provider is CpuExecutionProvider)
                {
                    continue;
                }
                var failure = TryAppend(options, provider);
                if (failure is null)
                {
                    appended.Add(provider.Name);
                    continue;
                }
                if (!settings.FallbackToCpu)
                {
                    throw new ExecutionProviderException(failure + " The GPU is required (require_gpu), so the model does not load on the CPU.");
                }
                fallbackReasons.Add(failure);
            }
            appended.Add(CpuExecutionProvider.ProviderName);
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    private static void Configure(SessionOptions options, SessionSettings settings)
    {
        // ONNX Runtime takes a negative thread count as "default" without a word; a negative count is a mistake.
        ArgumentOutOfRangeException.ThrowIfNegative(settings.IntraOpThreads, nameof(SessionSettings.IntraOpThreads));
        ArgumentOutOfRangeException.ThrowIfNegative(settings.InterOpThreads, nameof(SessionSettings.InterOpThreads));
        options.GraphOptimizationLevel = settings.GraphOptimizationLevel switch
        {
            GraphOptimizationLevel.DisableAll => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL,
            GraphOptimizationLevel.Basic => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            GraphOptimizationLevel.Extended => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            _ => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.ExecutionMode = settings.ExecutionMode == ExecutionMode.Parallel
            ? Microsoft.ML.OnnxRuntime.ExecutionMode.ORT_PARALLEL
            : Microsoft.ML.OnnxRuntime.ExecutionMode.ORT_SEQUENTIAL;
        options.IntraOpNumThreads = settings.IntraOpThreads;
        options.InterOpNumThreads = settings.InterOpThreads;
        options.EnableCpuMemArena = settings.EnableMemoryArena;
        if (settings.LogId is not null)
        {
            options.LogId = settings.LogId;
        }
        if (settings.LogLevel is { } level)
        {
            options.LogSeverityLevel = (OrtLoggingLevel)level;
        }
        foreach (var (key, value) in settings.ConfigEntries)
        {
            options.AddSessionConfigEntry(key, value);
        }
    }

    /// <summary>Appends a GPU provider; returns null on success, else a sentence saying why it cannot be used.</summary>
    private static string? TryAppend(SessionOptions options, ExecutionProvider provider)
    {
        var available = OnnxRuntimeEnvironment.Instance.AvailableProviders;
        if (!available.Contains(provider.Name))
        {
            return $"{provider.Name} is not part of this ONNX Runtime build (it has: {string.Join(", ", available)}).";
        }
        try
        {
            switch (provider)
            {
                case CudaExecutionProvider cuda:
                    using (var cudaOptions = new OrtCUDAProviderOptions())
                    {
                        cudaOptions.UpdateOptions(cuda.ProviderOptions());
                        options.AppendExecutionProvider_CUDA(cudaOptions);
                    }
                    return null;
                case TensorRtExecutionProvider tensorRt:
                    using (var tensorRtOptions = new OrtTensorRTProviderOptions())
                    {
                        tensorRtOptions.UpdateOptions(tensorRt.ProviderOptions());
                        options.AppendExecutionProvider_Tensorrt(tensorRtOptions);
                    }
                    return null;
                default:
                    return $"{provider.Name} is not supported by the service.";
            }
        }
        catch (OnnxRuntimeException e)
        {
            // ONNX Runtime's own message only says that "a shared library" failed to load; the loader says which
            // library is missing, which is what an operator needs to fix it.
            var why = ProviderLibraryProbe.WhyNotLoadable(provider) ?? OnnxErrors.Describe(e);
            return $"{provider.Name} could not be enabled: {why}";
        }
    }
}

/// <summary>A GPU execution provider was required and cannot be used.</summary>
public sealed class ExecutionProviderException : Exception
{
    public ExecutionProviderException(string message) : base(message) { }

    public ExecutionProviderException(string message, Exception innerException) : base(message, innerException) { }

    public ExecutionProviderException() : base("A required execution provider cannot be used.") { }
}
