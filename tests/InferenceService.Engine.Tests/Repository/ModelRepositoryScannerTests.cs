using InferenceService.Engine.Repository;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Repository;

public sealed class ModelRepositoryScannerTests : IDisposable
{
    private readonly TempRepository _repository = new();

    public void Dispose() => _repository.Dispose();

    [Fact]
    public void Scan_Repository_ReadsEveryModelInNameOrder()
    {
        _repository.AddModel("zeta", "identity_float.onnx").AddModel("alpha", "identity_int32.onnx", 1, 2);

        var models = ModelRepositoryScanner.Scan(_repository.Root);

        Assert.Equal(["alpha", "zeta"], models.Select(m => m.Name));
        Assert.All(models, m => Assert.Empty(m.Problems));
        Assert.Equal(_repository.ModelDirectory("alpha"), models[0].Directory);
    }

    [Fact]
    public void Scan_HiddenFolders_AreSkipped()
    {
        _repository.AddModel("served", "identity_float.onnx").AddModel(".git", "identity_float.onnx").AddModel("_old", "identity_float.onnx");

        Assert.Equal(["served"], ModelRepositoryScanner.Scan(_repository.Root).Select(m => m.Name));
    }

    [Fact]
    public void Scan_MissingRepository_ThrowsDirectoryNotFound()
    {
        var missing = Path.Combine(_repository.Root, "nowhere");

        Assert.Throws<DirectoryNotFoundException>(() => ModelRepositoryScanner.Scan(missing));
    }

    [Fact]
    public void ReadModel_NoConfig_ServesTheLatestVersionWithItsModelPath()
    {
        _repository.AddModel("m", "identity_float.onnx", 1, 2, 10);

        var model = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        Assert.Empty(model.Problems);
        var version = Assert.Single(model.Versions);
        Assert.Equal(10, version.Version);
        Assert.Equal(Path.Combine(_repository.ModelDirectory("m"), "10", "model.onnx"), version.ModelPath);
        Assert.True(File.Exists(version.ModelPath));
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("+2")]
    [InlineData("1.5")]
    [InlineData(" 3")]
    [InlineData("99999999999999999999")]
    public void ReadModel_NonNumericOrNonPositiveVersionFolder_IsIgnored(string folder)
    {
        _repository.AddModel("m", "identity_float.onnx", 1).AddVersionFolder("m", folder, "identity_float.onnx");

        var model = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        Assert.Equal([1L], model.Versions.Select(v => v.Version));
        Assert.Empty(model.Problems);
    }

    [Fact]
    public void ReadModel_VersionFolderWithLeadingZeros_IsIgnoredNotTakenForAnotherFolder()
    {
        // "007" is not the folder "7": serving it as version 7 would point at a model file that does not exist.
        _repository.AddModel("m", "identity_float.onnx", 1).AddVersionFolder("m", "007", "identity_float.onnx");

        var model = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        Assert.All(model.Versions, v => Assert.True(File.Exists(v.ModelPath), $"version {v.Version} points at {v.ModelPath}, which does not exist."));
        Assert.Equal([1L], model.Versions.Select(v => v.Version));
    }

    [Fact]
    public void ReadModel_NoVersionFolders_ReportsIt()
    {
        _repository.AddVersionFolder("m", "not-a-version").WithConfig("m", "{}");

        var model = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        Assert.Empty(model.Versions);
        Assert.Equal(["the model has no version folders (<model>/<version>/model.onnx, versions are positive integers)."], model.Problems);
    }

    [Fact]
    public void ReadModel_PolicySelectsNothingPresent_ReportsIt()
    {
        _repository.AddModel("m", "identity_float.onnx", 1);
        var model = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));
        Assert.Empty(model.Problems);

        _repository.WithConfig("m", """{ "version_policy": { "specific": { "versions": [] } } }""");
        var none = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        Assert.Contains("the version policy selects none of the versions present.", none.Problems);
    }

    [Fact]
    public void ReadModel_VersionFolderWithoutModelFile_IsStillSelected()
    {
        _repository.AddModel("m", "identity_float.onnx", 1).AddVersionFolder("m", "2");

        var model = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        var version = Assert.Single(model.Versions);
        Assert.Equal(2, version.Version);
        Assert.False(File.Exists(version.ModelPath));
    }

    [Fact]
    public void ReadModel_ConfigWithPolicy_SelectsByIt()
    {
        _repository.AddModel("m", "identity_float.onnx", 1, 2, 3).WithConfig("m", """{ "version_policy": { "latest": { "num_versions": 2 } } }""");

        var model = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        Assert.Equal([3L, 2], model.Versions.Select(v => v.Version));
        Assert.NotNull(model.Config.VersionPolicy?.Latest);
    }

    [Theory]
    [InlineData("{ \"name\": ", "config.json is not valid: malformed JSON")]
    [InlineData("{ \"max_batch_size\": \"four\" }", "config.json is not valid: a value has the wrong JSON type at $.max_batch_size")]
    [InlineData("{ \"name\": \"m\", \"name\": \"m\" }", "config.json is not valid: a property is given twice")]
    public void ReadModel_UnreadableConfig_ReportsWhereWithoutSerializerText(string json, string problem)
    {
        _repository.AddModel("m", "identity_float.onnx").WithConfig("m", json);

        var model = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        var reported = Assert.Single(model.Problems);
        Assert.StartsWith(problem, reported, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", reported, StringComparison.Ordinal);
        Assert.DoesNotContain(_repository.Root, reported, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadModel_ConfigWithCommentsAndTrailingCommas_IsRead()
    {
        _repository.AddModel("m", "identity_float.onnx").WithConfig("m", """
            {
              // Triton's own examples carry comments.
              "max_batch_size": 0,
              "instance_group": [{ "count": 2, },],
            }
            """);

        var model = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        Assert.Empty(model.Problems);
        Assert.Equal(2, Assert.Single(model.Config.InstanceGroup!).Count);
    }

    [Fact]
    public void ReadModel_InvalidConfig_ReportsEveryProblem()
    {
        _repository.AddModel("m", "identity_float.onnx").WithConfig("m", """{ "name": "x", "max_batch_size": -1, "extra": 1 }""");

        var model = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        Assert.Equal(3, model.Problems.Count);
        Assert.Single(model.Versions);
    }
}
