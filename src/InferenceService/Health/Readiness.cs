using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Hosting;
using Microsoft.Extensions.Options;

namespace InferenceService.Health;

/// <summary>
/// Whether the server should get traffic: it has started (every endpoint is listening: Kestrel binds them one after
/// another, and the first already answers while a later one, an HTTPS endpoint loading its certificate say, is not yet
/// bound), the models are loaded (all of them under strict readiness) and the server is in service: not draining after
/// SIGTERM, not stopping. Liveness needs nothing: a process that answers is alive, and it stays so through the drain.
/// </summary>
internal sealed class Readiness(ModelRegistry registry, IOptions<ModelRepositoryOptions> options, IHostApplicationLifetime lifetime, GracefulShutdown shutdown)
{
    public bool IsReady =>
        lifetime.ApplicationStarted.IsCancellationRequested && !shutdown.IsDraining && !lifetime.ApplicationStopping.IsCancellationRequested
        && registry.IsReady(options.Value.StrictReadiness);
}
