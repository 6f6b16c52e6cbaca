using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceService.Engine.Tests.Serving;

public sealed class ModelLoaderTests : IDisposable
{
    private readonly TempRepository _repository = new();
    private readonly ModelLoader _loader = new(NullLogger<ModelLoader>.Instance);

    public void Dispose() => _repository.Dispose();

    private LoadedModel Load(string name)
    {
        var source = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory(name));
        Assert.Empty(source.Problems);
        return _loader.Load(source, source.Versions[0]);
    }

    private string LoadFails(string name) => Assert.Throws<ModelLoadException>(() => Load(name)).Message;

    [Fact]
    public void Load_GoodModel_ReadsItsInputsOutputsAndVersion()
    {
        _repository.AddModel("pair", "two_inputs_two_outputs.onnx", 4);

        using var model = Load("pair");

        Assert.Equal("pair", model.Name);
        Assert.Equal(4, model.Version);
        Assert.Equal(["a", "b"], model.Inputs.Select(i => i.Name));
        Assert.Equal(["sum", "product"], model.Outputs.Select(o => o.Name));
        Assert.Equal([-1L, 4], model.Inputs[0].Shape);
        Assert.Equal(1, model.Sessions.Count);
        Assert.Contains("CPUExecutionProvider", model.ExecutionProviders);
        Assert.Empty(model.Labels);
    }

    [Fact]
    public void Load_InstanceGroupCounts_CreateThatManySessions()
    {
        _repository.AddModel("m", "identity_float.onnx").WithConfig("m", """{ "instance_group": [{ "count": 2, "kind": "KIND_CPU" }, { "count": 1 }] }""");

        using var model = Load("m");

        Assert.Equal(3, model.Sessions.Count);
        Assert.Equal(3, model.Sessions.Sessions.Distinct().Count());
    }

    [Fact]
    public void Load_LabelFile_ReadsTrimmedLabelsWithoutBlankLines()
    {
        _repository.AddModel("m", "identity_int64.onnx")
            .WithFile("m", "classes.txt", "cat\r\n  dog \n\n bird\n")
            .WithConfig("m", """{ "output": [{ "name": "y", "label_filename": "classes.txt" }] }""");

        using var model = Load("m");

        Assert.Equal(["cat", "dog", "bird"], model.Labels["y"]);
    }

    [Fact]
    public void Load_MissingModelFile_SaysWhichVersion()
    {
        _repository.AddVersionFolder("m", "3");

        Assert.Equal("version 3 has no model.onnx.", LoadFails("m"));
    }

    [Fact]
    public void Load_CorruptModel_GivesOnnxRuntimesReason()
    {
        _repository.AddModel("m", "corrupt.onnx");

        Assert.StartsWith("ONNX Runtime could not load version 1: ", LoadFails("m"), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ConfigDisagreesWithModel_ReportsEveryMismatch()
    {
        _repository.AddModel("m", "two_inputs_two_outputs.onnx").WithConfig("m", """
            {
              "input": [{ "name": "a", "data_type": "TYPE_INT64" }, { "name": "c" }],
              "output": [{ "name": "sum", "dims": [-1, 5] }]
            }
            """);

        Assert.Equal(
            "input 'a' is declared TYPE_INT64, but the model has TYPE_FP32. " +
            "input 'c' is declared in config.json, but the model has no such input (it has: a, b). " +
            "output 'sum' is declared with dims [-1, 5], but the model's shape is [-1, 4].",
            LoadFails("m"));
    }

    [Fact]
    public void Load_BatchingOnFixedShapeModel_IsRefused()
    {
        _repository.AddModel("m", "fixed_shape.onnx").WithConfig("m", """{ "max_batch_size": 4 }""");

        Assert.Equal("max_batch_size is 4, but input 'x' has no dynamic first (batch) dimension.", LoadFails("m"));
    }
}
