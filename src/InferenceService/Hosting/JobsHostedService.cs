using InferenceService.Engine.Jobs;

namespace InferenceService.Hosting;

/// <summary>Starts the job manager with the host (resuming interrupted jobs) and stops it first on shutdown, so running jobs checkpoint.</summary>
internal sealed class JobsHostedService(JobManager manager) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => manager.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => manager.StopAsync();
}
