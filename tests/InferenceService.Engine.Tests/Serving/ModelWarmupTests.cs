using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Tests.Serving;

public sealed class ModelWarmupTests : IDisposable
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

    private void AddReflectPad(string name)
    {
        var folder = Path.Combine(_repository.Root, name, "1");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), HandBuiltModels.ReflectPad());
    }

    [Fact]
    public void Load_MadeUpWarmupInputFailsButRealInputsRun_ServesTheModel()
    {
        AddReflectPad("pad");

        using var model = Load("pad");

        Assert.NotNull(ModelWarmup.TryRunDefault(model.Sessions.Sessions[0])); // the made-up input [1, 1] is refused
        using var value = OrtValue.CreateTensorValueFromMemory(new float[] { 1, 2, 3, 4, 5 }, [1, 5]);
        var outputs = model.Sessions.Sessions[0].Run(["x"], [value], ["y"]);
        Assert.Equal([1L, 9], outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal([3f, 2, 1, 2, 3, 4, 5, 4, 3], outputs[0].GetTensorDataAsSpan<float>().ToArray());
        outputs[0].Dispose();
    }

    [Fact]
    public void Load_ConfiguredWarmupThatFits_Loads()
    {
        AddReflectPad("pad");
        _repository.WithConfig("pad", """
            { "model_warmup": [{ "name": "row of five", "batch_size": 1, "count": 2,
                "inputs": { "x": { "data_type": "TYPE_FP32", "dims": ["1", "5"], "random_data": true } } }] }
            """);

        using var model = Load("pad");

        Assert.Equal("pad", model.Name);
    }

    [Fact]
    public void Load_ConfiguredWarmupTheModelRefuses_FailsTheLoadNamingTheSample()
    {
        AddReflectPad("pad");
        _repository.WithConfig("pad", """
            { "model_warmup": [{ "name": "too short", "inputs": { "x": { "data_type": "TYPE_FP32", "dims": [1, 1], "zero_data": true } } }] }
            """);

        var error = Assert.Throws<ModelLoadException>(() => Load("pad"));

        Assert.Contains("model_warmup \"too short\" failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WarmupDataFile_RunsOnItsBytes()
    {
        _repository.AddModel("rows", "gather_rows.onnx");
        _repository.WithConfig("rows", """
            { "max_batch_size": 4, "model_warmup": [{ "name": "index", "batch_size": 2, "inputs": { "index": { "data_type": "TYPE_INT64", "dims": [1], "input_data_file": "index.bin" } } }] }
            """);
        Directory.CreateDirectory(Path.Combine(_repository.Root, "rows", "warmup"));
        File.WriteAllBytes(Path.Combine(_repository.Root, "rows", "warmup", "index.bin"), [.. BitConverter.GetBytes(9L), .. BitConverter.GetBytes(1L)]);

        var error = Assert.Throws<ModelLoadException>(() => Load("rows"));

        Assert.Contains("model_warmup \"index\" failed", error.Message, StringComparison.Ordinal); // row 9 of a 4-row table
    }

    [Fact]
    public void Load_WarmupMissingAnInput_FailsTheLoad()
    {
        _repository.AddModel("pair", "two_inputs_two_outputs.onnx");
        _repository.WithConfig("pair", """
            { "model_warmup": [{ "name": "half", "inputs": { "a": { "data_type": "TYPE_FP32", "dims": [1, 4], "zero_data": true } } }] }
            """);

        Assert.Contains("gives no data for input 'b'", Assert.Throws<ModelLoadException>(() => Load("pair")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "data_type": "TYPE_FP32", "dims": [3] }""", "exactly one of")]
    [InlineData("""{ "data_type": "TYPE_FP32", "dims": [3], "zero_data": true, "random_data": true }""", "exactly one of")]
    [InlineData("""{ "data_type": "FLOAT", "dims": [3], "zero_data": true }""", "not a Triton data type")]
    [InlineData("""{ "data_type": "TYPE_FP32", "dims": [-1], "zero_data": true }""", "no dynamic")]
    [InlineData("""{ "data_type": "TYPE_FP32", "dims": [3], "input_data_file": "../secret" }""", "no path separators")]
    public void Validate_WarmupInputWrong_IsAConfigurationProblem(string input, string expected)
    {
        var config = Configs.Parse($$"""{ "max_batch_size": 2, "model_warmup": [{ "name": "w", "batch_size": 1, "inputs": { "x": {{input}} } }] }""");

        var problems = ModelConfigValidator.Validate(config, "m", _repository.Root);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void TryRunDefault_ModelThatRunsOnZeros_Runs()
    {
        _repository.AddModel("ident", "identity_float.onnx");
        using var model = Load("ident");

        Assert.Null(ModelWarmup.TryRunDefault(model.Sessions.Sessions[0]));
    }
}
