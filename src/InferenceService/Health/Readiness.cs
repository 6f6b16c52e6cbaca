using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using Microsoft.Extensions.Options;

namespace InferenceService.Health;

/// <summary>
/// Whether the server should get traffic: the models are loaded (all of them under strict readiness) and the host is
/// not shutting down. Liveness needs nothing: a process that answers is alive.
/// </summary>
internal sealed class Readiness(ModelRegistry registry, IOptions<ModelRepositoryOptions> options, IHostApplicationLifetime lifetime)
{
    public bool IsReady => !lifetime.ApplicationStopping.IsCancellationRequested && registry.IsReady(options.Value.StrictReadiness);
}
