using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceService.Engine.Tests.Repository;

/// <summary>KServe's layout: one model's files mounted as the whole folder, served under a configured name.</summary>
public sealed class SingleModelScanTests : IDisposable
{
    private readonly TempRepository _mount = new();

    public void Dispose() => _mount.Dispose();

    private void PutBareModel(string testModelFile) =>
        File.Copy(TempRepository.TestModel(testModelFile), Path.Combine(_mount.Root, "model.onnx"));

    [Fact]
    public void Scan_SingleModelWithBareModelFile_ServesItAsVersion1UnderTheGivenName()
    {
        PutBareModel("identity_float.onnx");

        var model = Assert.Single(ModelRepositoryScanner.Scan(_mount.Root, singleModelName: "my-isvc"));

        Assert.Equal("my-isvc", model.Name);
        Assert.Empty(model.Problems);
        var version = Assert.Single(model.Versions);
        Assert.Equal(1, version.Version);
        Assert.Equal(Path.Combine(_mount.Root, "model.onnx"), version.ModelPath);
    }

    [Fact]
    public void Scan_SingleModelWithVersionFolders_ServesThemAndIgnoresABareFile()
    {
        _mount.AddVersionFolder("", "1", "identity_float.onnx").AddVersionFolder("", "2", "identity_float.onnx");
        PutBareModel("corrupt.onnx");

        var model = Assert.Single(ModelRepositoryScanner.Scan(_mount.Root, "m"));

        var version = Assert.Single(model.Versions);
        Assert.Equal(2, version.Version);
        Assert.Equal(Path.Combine(_mount.Root, "2", "model.onnx"), version.ModelPath);
    }

    [Fact]
    public void Scan_SingleModelWhoseConfigNamesAnotherModel_IsServedUnderTheGivenName()
    {
        PutBareModel("identity_float.onnx");
        _mount.WithConfig("", """{ "name": "iris", "max_batch_size": 0 }""");

        var model = Assert.Single(ModelRepositoryScanner.Scan(_mount.Root, "iris-demo"));

        Assert.Equal("iris-demo", model.Name);
        Assert.Empty(model.Problems);
    }

    [Fact]
    public void Scan_SingleModelWithNothingToServe_ReportsIt()
    {
        _mount.WithFile("", "README.md", "no model here");

        var model = Assert.Single(ModelRepositoryScanner.Scan(_mount.Root, "m"));

        Assert.Contains(model.Problems, p => p.Contains("no version folders", StringComparison.Ordinal));
        Assert.Empty(model.Versions);
    }

    [Fact]
    public void ReadModel_RepositoryModelWithOnlyABareFile_StillNeedsVersionFolders()
    {
        // A bare model.onnx is KServe's single-file layout only; a repository's model folders keep Triton's layout.
        _mount.WithFile("m", "placeholder", "");
        File.Copy(TempRepository.TestModel("identity_float.onnx"), Path.Combine(_mount.ModelDirectory("m"), "model.onnx"));

        var model = ModelRepositoryScanner.ReadModel(_mount.ModelDirectory("m"));

        Assert.Empty(model.Versions);
        Assert.NotEmpty(model.Problems);
    }

    [Fact]
    public async Task LoadRepositoryAsync_SingleModel_ResolvesTheModelByItsGivenName()
    {
        PutBareModel("identity_float.onnx");
        await using var harness = new LifecycleHarness(_mount.Root, o => o.ModelName = "served");
        var registry = harness.Registry;

        await harness.StartAsync();

        Assert.True(registry.IsReady(strict: true));
        Assert.Equal(["served"], registry.Models.Select(m => m.Name));
        Assert.Equal(1, registry.Resolve("served", null).Version);
    }
}
