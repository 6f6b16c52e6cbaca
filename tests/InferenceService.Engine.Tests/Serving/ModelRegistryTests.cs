using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceService.Engine.Tests.Serving;

/// <summary>
/// One repository loaded once for the class: "multi" serves versions 1–3 of which 3 is corrupt, "single" one good
/// version, "broken" has an invalid config.json, "empty" no versions.
/// </summary>
public sealed class LoadedRegistryFixture : IAsyncLifetime
{
    public TempRepository Repository { get; } = new();

    public LoadedRegistryFixture()
    {
        Harness = new LifecycleHarness(Repository.Root, o => o.LoadConcurrency = 2, scheduling: new SchedulerContext(new SchedulingOptions { InlineRunLimitMicroseconds = 0 }, TimeProvider.System, Gate));
        Registry = Harness.Registry;
    }

    public LifecycleHarness Harness { get; }

    /// <summary>Open unless a test holds it: lets a test keep requests queued.</summary>
    public GatedBatchObserver Gate { get; } = new(holding: false);

    public ModelRegistry Registry { get; }

    public async Task InitializeAsync()
    {
        Repository
            .AddModel("multi", "identity_float.onnx", 1, 2)
            .AddModel("multi", "corrupt.onnx", 3)
            .WithConfig("multi", """{ "version_policy": { "all": {} } }""")
            .AddModel("single", "identity_int32.onnx")
            .AddModel("broken", "identity_float.onnx")
            .WithConfig("broken", """{ "max_batch_size": -1, "instance_group": [{ "count": 0 }] }""")
            .AddVersionFolder("empty", "v1");
        Assert.False(Registry.InitialLoadCompleted);
        Assert.False(Registry.IsReady(strict: false));
        await Harness.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Harness.DisposeAsync();
        Repository.Dispose();
    }
}

public class ModelRegistryTests(LoadedRegistryFixture fixture) : IClassFixture<LoadedRegistryFixture>
{
    private readonly ModelRegistry _registry = fixture.Registry;

    private InferenceException Fails(string name, string? version, InferenceErrorKind kind)
    {
        var error = Assert.Throws<InferenceException>(() => _registry.Resolve(name, version));
        Assert.Equal(kind, error.Kind);
        return error;
    }

    [Fact]
    public void LoadRepositoryAsync_Finished_RecordsEveryModelAndVersionState()
    {
        Assert.True(_registry.InitialLoadCompleted);
        var states = _registry.Models.SelectMany(m => m.Versions.Count == 0 ? [$"{m.Name}:-:{(m.IsReady ? "ready" : "not ready")}"]
            : m.Versions.Select(v => $"{m.Name}:{v.Version}:{v.State}"));

        Assert.Equal(["broken:1:Failed", "empty:-:not ready", "multi:3:Failed", "multi:2:Ready", "multi:1:Ready", "single:1:Ready"], states);
    }

    [Fact]
    public void IsReady_SomeModelsFailed_IsFalseWhenStrictTrueOtherwise()
    {
        Assert.False(_registry.IsReady(strict: true));
        Assert.True(_registry.IsReady(strict: false));
    }

    [Fact]
    public void Resolve_NoVersion_ReturnsTheNewestReadyVersion()
    {
        var model = _registry.Resolve("multi", null);

        Assert.Equal("multi", model.Name);
        Assert.Equal(2, model.Version);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("2", 2)]
    public void Resolve_SpecificVersion_ReturnsThatVersion(string version, long expected)
    {
        Assert.Equal(expected, _registry.Resolve("multi", version).Version);
    }

    [Fact]
    public void Resolve_EmptyVersion_MeansNewestReady()
    {
        Assert.Equal(2, _registry.Resolve("multi", "").Version);
    }

    [Fact]
    public void Resolve_UnknownModel_IsModelNotFound()
    {
        Assert.Equal("Model 'nope' is not in the repository.", Fails("nope", null, InferenceErrorKind.ModelNotFound).Message);
    }

    [Fact]
    public void Resolve_VersionNotServed_IsModelNotFoundListingServedVersions()
    {
        Assert.Equal("Model 'multi' has no version 4 being served (served: 3, 2, 1).", Fails("multi", "4", InferenceErrorKind.ModelNotFound).Message);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.0")]
    [InlineData("99999999999999999999")]
    public void Resolve_NonNumericVersion_IsModelNotFound(string version)
    {
        Assert.Equal($"Model 'multi' has no version '{version}': versions are positive integers.", Fails("multi", version, InferenceErrorKind.ModelNotFound).Message);
    }

    [Fact]
    public void Resolve_FailedVersion_IsModelNotReadyWithTheReason()
    {
        var message = Fails("multi", "3", InferenceErrorKind.ModelNotReady).Message;

        Assert.StartsWith("Model 'multi' version 3 is not ready: failed, ONNX Runtime could not load version 3:", message, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Repository.Root, message, StringComparison.Ordinal);
        Assert.Contains("<repository>", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_InvalidConfig_IsModelNotReady()
    {
        Assert.Equal("Model 'broken' has no ready version (its configuration is invalid).", Fails("broken", null, InferenceErrorKind.ModelNotReady).Message);
    }

    [Fact]
    public void Resolve_NoVersions_IsModelNotReady()
    {
        Assert.Equal("Model 'empty' has no ready version (its configuration is invalid).", Fails("empty", null, InferenceErrorKind.ModelNotReady).Message);
    }

    [Fact]
    public void Find_InvalidConfig_ReasonListsEveryProblem()
    {
        var broken = _registry.Find("broken");

        Assert.NotNull(broken);
        Assert.Equal(2, broken.Problems.Count);
        var reason = Assert.Single(broken.Versions).Reason;
        Assert.Equal("the configuration is invalid: max_batch_size must be 0 (not batched) or more, not -1. instance_group[0].count must be from 1 to 64, not 0.", reason);
    }

    [Fact]
    public void Find_UnknownModel_IsNull()
    {
        Assert.Null(_registry.Find("nope"));
    }
}

public sealed class ModelRegistryLifetimeTests : IDisposable
{
    private readonly TempRepository _repository = new TempRepository().AddModel("m", "identity_float.onnx");
    private LifecycleHarness? _harness;

    private ModelRegistry Registry => (_harness ??= new LifecycleHarness(_repository.Root)).Registry;

    private Task LoadAsync(string? root = null)
    {
        _harness = new LifecycleHarness(root ?? _repository.Root);
        return _harness.StartAsync();
    }

    public void Dispose()
    {
        _harness?.Dispose();
        _repository.Dispose();
    }

    [Fact]
    public async Task LoadRepositoryAsync_EveryModelLoads_IsReadyEvenWhenStrict()
    {
        await LoadAsync();

        Assert.True(Registry.IsReady(strict: true));
        Assert.Equal(1, Registry.Resolve("m", null).Version);
    }

    [Fact]
    public async Task LoadRepositoryAsync_MissingRepository_NeverBecomesReady()
    {
        await LoadAsync(Path.Combine(_repository.Root, "missing"));

        Assert.False(Registry.InitialLoadCompleted);
        Assert.False(Registry.IsReady(strict: false));
        Assert.Empty(Registry.Models);
        Assert.Equal(InferenceErrorKind.ModelNotFound, Assert.Throws<InferenceException>(() => Registry.Resolve("m", null)).Kind);
    }

    [Fact]
    public async Task Dispose_AfterLoading_ForgetsEveryModel()
    {
        await LoadAsync();

        Registry.Dispose();

        Assert.Empty(Registry.Models);
        Assert.Equal(InferenceErrorKind.ModelNotFound, Assert.Throws<InferenceException>(() => Registry.Resolve("m", null)).Kind);
    }
}
