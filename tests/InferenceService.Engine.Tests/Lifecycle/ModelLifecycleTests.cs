using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Lifecycle;

public sealed class ModelLifecycleTests : IAsyncLifetime
{
    private readonly TempRepository _repository = new();
    private LifecycleHarness? _harness;

    private LifecycleHarness Harness => _harness ?? throw new InvalidOperationException("Start first.");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
        _repository.Dispose();
    }

    private async Task<LifecycleHarness> StartAsync(Action<ModelRepositoryOptions>? configure = null)
    {
        _harness = new LifecycleHarness(_repository.Root, o =>
        {
            o.ControlMode = ModelControlMode.Explicit;
            configure?.Invoke(o);
        });
        await _harness.StartAsync();
        return _harness;
    }

    private void Touch(string model, long version) =>
        File.SetLastWriteTimeUtc(Path.Combine(_repository.Root, model, version.ToString(System.Globalization.CultureInfo.InvariantCulture), "model.onnx"), DateTime.UtcNow.AddMinutes(1));

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }
        Assert.True(condition(), $"Never happened: {what}.");
    }

    [Fact]
    public async Task StartRepositoryAsync_ExplicitWithNoModelsNamed_ListsThemUnloadedAndIsReady()
    {
        _repository.AddModel("a", "identity_float.onnx");
        var harness = await StartAsync();

        Assert.True(harness.Registry.IsReady(strict: true));
        Assert.True(harness.Registry.Find("a")!.IsUnloaded);
        Assert.Equal(InferenceErrorKind.ModelNotReady, Assert.Throws<InferenceException>(() => harness.Registry.Resolve("a", null)).Kind);
    }

    [Fact]
    public async Task LoadAsync_ModelNotLoaded_MakesItReadyWithItsLoadMeasured()
    {
        _repository.AddModel("a", "identity_float.onnx");
        var harness = await StartAsync();

        await harness.Lifecycle.LoadAsync("a", null, CancellationToken.None);

        var model = harness.Registry.Resolve("a", null);
        Assert.True(model.MemoryBytes >= new FileInfo(Path.Combine(_repository.Root, "a", "1", "model.onnx")).Length);
        Assert.True(model.LoadDuration > TimeSpan.Zero);
        Assert.NotEqual(default, model.LoadedAt);
    }

    [Fact]
    public async Task LoadAsync_NothingChanged_KeepsTheServingVersionAndItsStatistics()
    {
        _repository.AddModel("a", "identity_float.onnx");
        var harness = await StartAsync(o => o.LoadModels = ["a"]);
        var before = harness.Registry.Resolve("a", null);

        await harness.Lifecycle.LoadAsync("a", null, CancellationToken.None);

        Assert.Same(before, harness.Registry.Resolve("a", null));
        Assert.False(before.IsStopped);
    }

    [Fact]
    public async Task LoadAsync_OneVersionChanged_RebuildsThatVersionAndKeepsTheOther()
    {
        _repository.AddModel("a", "identity_float.onnx", 1, 2).WithConfig("a", """{ "version_policy": { "all": {} } }""");
        var harness = await StartAsync(o => o.LoadModels = ["a"]);
        var (one, two) = (harness.Registry.Resolve("a", "1"), harness.Registry.Resolve("a", "2"));

        Touch("a", 2);
        await harness.Lifecycle.LoadAsync("a", null, CancellationToken.None);

        Assert.Same(one, harness.Registry.Resolve("a", "1"));
        Assert.NotSame(two, harness.Registry.Resolve("a", "2"));
        await WaitUntil(() => two.IsStopped, "the replaced version 2 is drained");
        Assert.False(one.IsStopped);
    }

    [Fact]
    public async Task LoadAsync_NewVersionCorrupt_TheOldVersionKeepsServingAndTheReasonIsGiven()
    {
        _repository.AddModel("a", "identity_float.onnx", 1);
        var harness = await StartAsync(o => o.LoadModels = ["a"]);
        var serving = harness.Registry.Resolve("a", null);
        _repository.AddModel("a", "corrupt.onnx", 2);

        var error = await Assert.ThrowsAsync<InferenceException>(() => harness.Lifecycle.LoadAsync("a", null, CancellationToken.None));

        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_repository.Root, error.Message, StringComparison.Ordinal);
        Assert.Same(serving, harness.Registry.Resolve("a", null));
        var status = Assert.Single(harness.Registry.Find("a")!.Versions);
        Assert.Equal((1L, ModelState.Ready), (status.Version, status.State));
        Assert.StartsWith("the last reload failed", status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_VersionPolicyChanged_ServesTheNewSetAndDrainsTheDroppedVersion()
    {
        _repository.AddModel("a", "identity_float.onnx", 1, 2);
        var harness = await StartAsync(o => o.LoadModels = ["a"]);
        var two = harness.Registry.Resolve("a", null);
        Assert.Equal(2, two.Version);

        await harness.Lifecycle.LoadAsync("a", new Engine.Lifecycle.ModelOverrides("""{ "version_policy": { "specific": { "versions": [1] } } }""", new Dictionary<string, byte[]>()), CancellationToken.None);

        Assert.Equal([1L], harness.Registry.Find("a")!.Versions.Select(v => v.Version));
        await WaitUntil(() => two.IsStopped, "version 2, dropped by the policy, is drained");
    }

    [Fact]
    public async Task LoadAsync_ReplacedVersionHeldByARequest_IsReleasedOnlyOnceTheRequestLetsGo()
    {
        _repository.AddModel("a", "identity_float.onnx");
        var harness = await StartAsync(o => o.LoadModels = ["a"]);
        var held = harness.Registry.Acquire("a", null);

        Touch("a", 1);
        await harness.Lifecycle.LoadAsync("a", null, CancellationToken.None);
        var successor = harness.Registry.Resolve("a", null);

        // The reload began draining the replaced version before it returned (the drain's first attempt to stop it runs
        // before the reload answers), and that attempt found it held.
        Assert.NotSame(held, successor);
        Assert.False(held.IsStopped); // the request that resolved it still runs there
        held.Exit();
        await WaitUntil(() => held.IsStopped, "the replaced version is released once idle");
    }

    [Fact]
    public async Task UnloadAsync_HeldVersion_RefusesNewRequestsAtOnceAndFinishesOnceTheHeldOneLetsGo()
    {
        _repository.AddModel("a", "identity_float.onnx");
        var harness = await StartAsync(o => o.LoadModels = ["a"]);
        var held = harness.Registry.Acquire("a", null);

        var unloading = harness.Lifecycle.UnloadAsync("a", CancellationToken.None);
        await WaitUntil(() => harness.Registry.Find("a")!.Versions[0].State == ModelState.Draining, "the version drains");

        Assert.Equal(InferenceErrorKind.ModelNotReady, Assert.Throws<InferenceException>(() => harness.Registry.Resolve("a", null)).Kind);
        Assert.False(unloading.IsCompleted);
        held.Exit();
        await unloading;
        Assert.Equal(ModelState.Unloaded, harness.Registry.Find("a")!.Versions[0].State);
        Assert.True(held.IsStopped);
        Assert.True(harness.Registry.IsReady(strict: true));
    }

    [Fact]
    public async Task LoadAsync_ControlModeNone_IsAFailedPreconditionThatSaysWhichSettingToChange()
    {
        _repository.AddModel("a", "identity_float.onnx");
        var harness = await StartAsync(o => o.ControlMode = ModelControlMode.None);

        var error = await Assert.ThrowsAsync<InferenceException>(() => harness.Lifecycle.LoadAsync("a", null, CancellationToken.None));

        Assert.Equal(InferenceErrorKind.PreconditionFailed, error.Kind);
        Assert.Contains("ModelRepository:ControlMode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_OverTheModelLimit_EvictsTheLeastRecentlyUsedIdleModel()
    {
        _repository.AddModel("a", "identity_float.onnx").AddModel("b", "identity_float.onnx").AddModel("c", "identity_float.onnx");
        var harness = await StartAsync(o => o.MaxLoadedModels = 2);

        foreach (var name in new[] { "a", "b", "a", "c" })
        {
            (await harness.Lifecycle.AcquireAsync(name, null, CancellationToken.None)).Exit();
        }

        Assert.True(harness.Registry.Find("b")!.IsUnloaded);
        Assert.True(harness.Registry.Find("a")!.IsReady);
        Assert.True(harness.Registry.Find("c")!.IsReady);
    }

    [Fact]
    public async Task AcquireAsync_EveryLoadedModelInUse_RefusesRatherThanEvictingOne()
    {
        _repository.AddModel("a", "identity_float.onnx").AddModel("b", "identity_float.onnx");
        var harness = await StartAsync(o => o.MaxLoadedModels = 1);
        var inFlight = await harness.Lifecycle.AcquireAsync("a", null, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InferenceException>(async () => await harness.Lifecycle.AcquireAsync("b", null, CancellationToken.None));

        Assert.Equal(InferenceErrorKind.Overloaded, error.Kind);
        Assert.True(harness.Registry.Find("a")!.IsReady);
        Assert.False(inFlight.IsStopped);
        inFlight.Exit();
        (await harness.Lifecycle.AcquireAsync("b", null, CancellationToken.None)).Exit();
        Assert.True(harness.Registry.Find("a")!.IsUnloaded);
    }

    [Fact]
    public async Task AcquireAsync_OverTheMemoryBudget_EvictsToMakeRoom()
    {
        _repository.AddModel("a", "identity_float.onnx").AddModel("b", "identity_float.onnx");
        var harness = await StartAsync(o => o.MemoryBudgetBytes = 1); // room for one model, whatever its size
        (await harness.Lifecycle.AcquireAsync("a", null, CancellationToken.None)).Exit();

        (await harness.Lifecycle.AcquireAsync("b", null, CancellationToken.None)).Exit();

        Assert.True(harness.Registry.Find("a")!.IsUnloaded);
        Assert.True(harness.Registry.Find("b")!.IsReady);
    }
}
