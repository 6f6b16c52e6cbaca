using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Lifecycle;

public sealed class RepositoryPollTests : IAsyncLifetime
{
    private readonly TempRepository _repository = new TempRepository().AddModel("m", "identity_float.onnx");
    private readonly ManualTimeProvider _time = new();
    private LifecycleHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = new LifecycleHarness(_repository.Root, o =>
        {
            o.ControlMode = ModelControlMode.Poll;
            o.PollIntervalSeconds = 10;
        }, _time);
        await _harness.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        _repository.Dispose();
    }

    private string VersionFile(long version)
    {
        var folder = Path.Combine(_repository.Root, "m", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, "model.onnx");
    }

    private Task PollAsync() => _harness.Lifecycle.PollOnceAsync(CancellationToken.None);

    [Fact]
    public async Task PollOnceAsync_VersionCopiedInSlowly_IsLoadedOnlyOnceItsFilesStoppedChanging()
    {
        var bytes = File.ReadAllBytes(TempRepository.TestModel("identity_float.onnx"));
        using (var copy = File.Create(VersionFile(2)))
        {
            foreach (var part in bytes.Chunk(bytes.Length / 3 + 1))
            {
                copy.Write(part);
                copy.Flush();
                await PollAsync(); // a scan in the middle of the copy

                Assert.Equal(1, _harness.Registry.Resolve("m", null).Version);
                Assert.DoesNotContain(_harness.Registry.Find("m")!.Versions, v => v.State == ModelState.Failed);
            }
        }
        await PollAsync(); // the same files as the scan before (the last one in the copy): settled

        Assert.Equal(2, _harness.Registry.Resolve("m", null).Version);
        Assert.Equal([2L], _harness.Registry.Find("m")!.Versions.Select(v => v.Version));
    }

    [Fact]
    public async Task PollOnceAsync_ModelRemoved_UnloadsItOnceTheRemovalSettled()
    {
        var serving = _harness.Registry.Resolve("m", null);
        Directory.Delete(Path.Combine(_repository.Root, "m"), recursive: true);

        await PollAsync();
        Assert.Same(serving, _harness.Registry.Resolve("m", null));
        await PollAsync();

        Assert.Null(_harness.Registry.Find("m"));
        Assert.True(serving.IsStopped);
    }

    [Fact]
    public async Task PollOnceAsync_NewModel_IsListedAndLoaded()
    {
        _repository.AddModel("n", "identity_int32.onnx");

        await PollAsync();
        await PollAsync();

        Assert.Equal(1, _harness.Registry.Resolve("n", null).Version);
    }

    [Fact]
    public async Task PollLoop_ClockPassesTheInterval_Scans()
    {
        var before = _harness.Lifecycle.Polls;

        _time.Advance(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 500 && _harness.Lifecycle.Polls == before; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(before + 1, _harness.Lifecycle.Polls);
    }

    [Fact]
    public async Task LoadAsync_PollMode_IsAFailedPrecondition()
    {
        var error = await Assert.ThrowsAsync<InferenceException>(() => _harness.Lifecycle.LoadAsync("m", null, CancellationToken.None));

        Assert.Equal(InferenceErrorKind.PreconditionFailed, error.Kind);
    }
}
