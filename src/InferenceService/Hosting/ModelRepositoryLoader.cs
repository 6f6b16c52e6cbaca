using InferenceService.Engine.Lifecycle;
using Microsoft.Extensions.Options;

namespace InferenceService.Hosting;

/// <summary>
/// Starts the model lifecycle in the background once the host has started, so the server listens (and answers
/// liveness) at once while models load; readiness turns 200 when they are ready. The engine makes ONNX Runtime's
/// environment itself (<see cref="ModelLifecycle.StartAsync"/>): the host only hands it the settings.
/// </summary>
internal sealed class ModelRepositoryLoader(
    ModelLifecycle lifecycle,
    IOptions<OnnxRuntimeOptions> runtimeOptions,
    ILoggerFactory loggerFactory) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // Let the host finish starting: nothing below may delay listening.
        await lifecycle.StartAsync(runtimeOptions.Value.ToEnvironmentOptions(loggerFactory), stoppingToken);
    }
}
