using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.Extensions.Options;

namespace InferenceService.Hosting;

/// <summary>
/// Loads the model repository in the background once the host has started, so the server listens (and answers
/// liveness) at once while models load; readiness turns 200 when they are ready. The ONNX Runtime environment is
/// created here too, so a missing native library is logged and leaves the server not ready, rather than crashing it.
/// </summary>
internal sealed partial class ModelRepositoryLoader(
    ModelRegistry registry,
    IOptions<ModelRepositoryOptions> repositoryOptions,
    IOptions<OnnxRuntimeOptions> runtimeOptions,
    ILoggerFactory loggerFactory,
    ILogger<ModelRepositoryLoader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // Let the host finish starting: nothing below may delay listening.
        try
        {
            var environment = OnnxRuntimeEnvironment.Initialize(new OnnxRuntimeEnvironmentOptions
            {
                LibraryPath = runtimeOptions.Value.LibraryPath,
                LogLevel = runtimeOptions.Value.LogLevel,
                LoggerFactory = loggerFactory,
            });
            LogRuntime(logger, environment.Version, environment.LibraryPath ?? "the NuGet package", string.Join(", ", environment.AvailableProviders));
        }
        catch (Exception e) when (e is DllNotFoundException or OnnxRuntimeException or NotSupportedException or InvalidOperationException or TypeInitializationException)
        {
            LogRuntimeMissing(logger, e.Message);
            return;
        }

        var path = repositoryOptions.Value.ResolvePath();
        var singleModel = repositoryOptions.Value.ModelName;
        if (string.IsNullOrWhiteSpace(singleModel))
        {
            LogLoading(logger, path);
        }
        else
        {
            LogLoadingSingleModel(logger, singleModel, path);
        }
        await registry.LoadRepositoryAsync(path, singleModel, repositoryOptions.Value.LoadConcurrency, stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ONNX Runtime {Version} loaded from {Path}; providers: {Providers}")]
    private static partial void LogRuntime(ILogger logger, string version, string path, string providers);

    [LoggerMessage(Level = LogLevel.Critical, Message = "ONNX Runtime could not be loaded; no model will be served: {Reason}")]
    private static partial void LogRuntimeMissing(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading the model repository {Path}")]
    private static partial void LogLoading(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading the model {Model} from {Path}")]
    private static partial void LogLoadingSingleModel(ILogger logger, string model, string path);
}
