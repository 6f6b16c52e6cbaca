using InferenceService.Engine.Lifecycle;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceService.Engine.Tests.TestSupport;

/// <summary>A registry and the lifecycle that writes it, over a repository folder: what the host wires, without the host.</summary>
public sealed class LifecycleHarness : IAsyncDisposable, IDisposable
{
    public LifecycleHarness(string root, Action<ModelRepositoryOptions>? configure = null, TimeProvider? time = null, SchedulerContext? scheduling = null, ModelLoader? loader = null)
    {
        Options = new ModelRepositoryOptions { Path = root };
        configure?.Invoke(Options);
        Time = time ?? TimeProvider.System;
        Registry = new ModelRegistry(NullLogger<ModelRegistry>.Instance);
        Loader = loader ?? new ModelLoader(NullLogger<ModelLoader>.Instance, scheduling ?? new SchedulerContext(new SchedulingOptions(), Time));
        Lifecycle = new ModelLifecycle(Registry, Loader, Options, Time, NullLogger<ModelLifecycle>.Instance);
    }

    public ModelRepositoryOptions Options { get; }

    public TimeProvider Time { get; }

    public ModelRegistry Registry { get; }

    public ModelLoader Loader { get; }

    public ModelLifecycle Lifecycle { get; }

    public Task StartAsync() => Lifecycle.StartRepositoryAsync(CancellationToken.None);

    public ValueTask DisposeAsync() => Lifecycle.DisposeAsync();

    public void Dispose() => Lifecycle.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
