using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using Microsoft.Extensions.Logging;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// The real loader, except that the load of one model waits at a gate until the test opens it, so a test can look at
/// the server while that model is still loading.
/// </summary>
public sealed class GatedModelLoader(string heldModel, ILogger<ModelLoader> logger) : ModelLoader(logger)
{
    private readonly SemaphoreSlim _gate = new(0);
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the held model's load has reached the gate.</summary>
    public Task HeldLoadStarted => _reached.Task;

    /// <summary>Lets the held model's load go on.</summary>
    public void Release() => _gate.Release();

    public override LoadedModel Load(ModelSource source, ModelVersionSource version)
    {
        if (source.Name == heldModel)
        {
            _reached.TrySetResult();
            // Bounded, so a failing test cannot hang the run: after a minute the load goes on regardless.
            _gate.Wait(TimeSpan.FromSeconds(60));
        }
        return base.Load(source, version);
    }
}
