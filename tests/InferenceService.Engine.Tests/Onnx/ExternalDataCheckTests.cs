using InferenceService.Engine.Onnx;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceService.Engine.Tests.Onnx;

/// <summary>External data must stay inside the model's version folder, in every form a path can leave it.</summary>
public sealed class ExternalDataCheckTests : IDisposable
{
    private readonly TempRepository _repository = new();
    private readonly string _outside = Directory.CreateTempSubdirectory("inference-engine-tests-outside-").FullName;

    public void Dispose()
    {
        _repository.Dispose();
        Directory.Delete(_outside, recursive: true);
    }

    private string VersionFolder(string name)
    {
        var folder = Path.Combine(_repository.ModelDirectory(name), "1");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private string WriteModel(string name, string location, bool inSubgraph = false)
    {
        var folder = VersionFolder(name);
        var path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, OnnxModelWriter.IdentityOfExternalInitializer(location, inSubgraph: inSubgraph));
        return path;
    }

    [Theory]
    [InlineData("../secret.bin", "climbs out")]
    [InlineData("../../../../etc/passwd", "climbs out")]
    [InlineData("sub/../../secret.bin", "climbs out")]
    [InlineData("..\\secret.bin", "climbs out")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("\\\\server\\share\\w.bin", "absolute path")]
    [InlineData("C:\\Windows\\win.ini", "absolute path")]
    [InlineData("c:w.bin", "absolute path")]
    [InlineData("w.bin\0.txt", "not a file name")]
    [InlineData("", "not a file name")]
    public void Problems_LocationLeavingTheFolder_NamesTheReason(string location, string reason)
    {
        var path = WriteModel("m", location);
        var problem = Assert.Single(ExternalDataCheck.Problems(path));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
        Assert.DoesNotContain(_repository.Root, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_LocationInASubgraph_IsFoundToo()
    {
        var path = WriteModel("m", "../secret.bin", inSubgraph: true);
        Assert.Equal(["../secret.bin"], ExternalDataCheck.Locations(File.OpenRead(path)));
        Assert.Contains("climbs out", Assert.Single(ExternalDataCheck.Problems(path)), StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_SymbolicLinkToAFileOutside_IsRefused()
    {
        var path = WriteModel("m", "w.bin");
        File.WriteAllBytes(Path.Combine(_outside, "secret.bin"), OnnxModelWriter.Floats(3));
        File.CreateSymbolicLink(Path.Combine(Path.GetDirectoryName(path)!, "w.bin"), Path.Combine(_outside, "secret.bin"));
        Assert.Contains("symbolic link", Assert.Single(ExternalDataCheck.Problems(path)), StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_SymbolicLinkedFolderOnTheWay_IsRefused()
    {
        var path = WriteModel("m", "data/w.bin");
        File.WriteAllBytes(Path.Combine(_outside, "w.bin"), OnnxModelWriter.Floats(3));
        Directory.CreateSymbolicLink(Path.Combine(Path.GetDirectoryName(path)!, "data"), _outside);
        Assert.Contains("symbolic link", Assert.Single(ExternalDataCheck.Problems(path)), StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_LinkThatStaysInside_IsAccepted()
    {
        var path = WriteModel("m", "w.bin");
        var folder = Path.GetDirectoryName(path)!;
        File.WriteAllBytes(Path.Combine(folder, "weights.bin"), OnnxModelWriter.Floats(3));
        File.CreateSymbolicLink(Path.Combine(folder, "w.bin"), "weights.bin");
        Assert.Empty(ExternalDataCheck.Problems(path));
    }

    [Fact]
    public void Problems_ModelWithoutExternalData_HasNone()
    {
        Assert.Empty(ExternalDataCheck.Problems(TempRepository.TestModel("two_inputs_two_outputs.onnx")));
        Assert.Empty(ExternalDataCheck.Problems(TempRepository.TestModel("corrupt.onnx")));
    }

    [Fact]
    public void Load_ExternalDataInsideTheFolder_LoadsAndRuns()
    {
        var path = WriteModel("m", "./weights/w.bin");
        Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(path)!, "weights"));
        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(path)!, "weights", "w.bin"), OnnxModelWriter.Floats(3));
        var source = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        using var model = new ModelLoader(NullLogger<ModelLoader>.Instance).Load(source, source.Versions[0]);

        Assert.Equal(["y"], model.Outputs.Select(o => o.Name));
    }

    /// <summary>The layer below: ONNX Runtime's own containment check refuses the same model (defence in depth, not instead).</summary>
    [Fact]
    public void OnnxRuntime_ExternalDataOutsideTheFolder_RefusesItToo()
    {
        var path = WriteModel("m", "../secret.bin");
        File.WriteAllBytes(Path.Combine(_repository.ModelDirectory("m"), "secret.bin"), OnnxModelWriter.Floats(3));
        var error = Assert.Throws<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(() => OnnxSession.Create(path, new SessionSettings()).Dispose());
        Assert.Contains("xternal", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ExternalDataOutsideTheFolder_FailsBeforeOnnxRuntimeReadsIt()
    {
        WriteModel("m", "../secret.bin");
        File.WriteAllBytes(Path.Combine(_repository.ModelDirectory("m"), "secret.bin"), OnnxModelWriter.Floats(3));
        var source = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));

        var error = Assert.Throws<ModelLoadException>(() => new ModelLoader(NullLogger<ModelLoader>.Instance).Load(source, source.Versions[0]));

        Assert.Contains("version 1 is refused: external data location '../secret.bin' climbs out", error.Message, StringComparison.Ordinal);
    }
}
