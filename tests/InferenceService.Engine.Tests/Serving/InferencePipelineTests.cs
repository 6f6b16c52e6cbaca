using InferenceService.Engine.Scheduling;
using System.Text.Json;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Tests.TestSupport;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Serving;

/// <summary>The pipeline's checks and runs, on two_inputs_two_outputs (a, b FP32 [batch, 4] → sum, product).</summary>
public sealed class InferencePipelineTests : IDisposable
{
    private readonly LoadedModel _model = LoadedModel.WithScheduler(
        "pair", 3, new ModelConfig(),
        new SessionPool([OnnxSession.Create(TempRepository.TestModel("two_inputs_two_outputs.onnx"))]),
        new Dictionary<string, IReadOnlyList<string>>());

    private readonly InferencePipeline _pipeline = new();
    private readonly List<InputTensor> _inputs = [];

    public void Dispose()
    {
        _inputs.ForEach(i => i.Dispose());
        _model.Dispose();
    }

    private InputTensor Input(string name, string data, TensorElementType type = TensorElementType.Float, params long[] shape)
    {
        using var document = JsonDocument.Parse(data);
        var tensor = JsonTensorDecoder.DecodeWithShape(name, document.RootElement, type, shape.Length == 0 ? [1, 4] : shape);
        _inputs.Add(tensor);
        return tensor;
    }

    private Task<InferenceResult> InferAsync(IReadOnlyList<InputTensor> inputs, IReadOnlyList<string>? outputs = null, CancellationToken cancellationToken = default) =>
        _pipeline.InferAsync(_model, inputs, outputs, cancellationToken);

    private async Task<string> InvalidAsync(IReadOnlyList<InputTensor> inputs, IReadOnlyList<string>? outputs = null)
    {
        var error = await Assert.ThrowsAsync<InferenceException>(() => InferAsync(inputs, outputs));
        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        return error.Message;
    }

    [Fact]
    public async Task InferAsync_ValidInputs_ReturnsEveryOutputInModelOrder()
    {
        using var result = await InferAsync([Input("a", "[1, 2, 3, 4, 5, 6, 7, 8]", shape: [2, 4]), Input("b", "[0.5, 2, -1, 0, 1, 1, 1, 1]", shape: [2, 4])]);

        Assert.Same(_model, result.Model);
        Assert.Equal(["sum", "product"], result.Outputs.Select(o => o.Name));
        Assert.Equal([2L, 4L], result.Values[0].Shape);
        Assert.Equal([1.5f, 4, 2, 4, 6, 7, 8, 9], result.Values[0].GetTensorData<float>().ToArray());
        Assert.Equal([0.5f, 4, -3, 0, 5, 6, 7, 8], result.Values[1].GetTensorData<float>().ToArray());
        Assert.True(result.Timings.Queue >= TimeSpan.Zero);
        Assert.True(result.Timings.Run > TimeSpan.Zero);
    }

    [Fact]
    public async Task InferAsync_OnlineRequestsAreNotedForJobsToYieldTo_JobRequestsAreNot()
    {
        var time = new ManualTimeProvider();
        var pipeline = new InferencePipeline { Online = new OnlineActivity(time) };
        IReadOnlyList<InputTensor> inputs = [Input("a", "[1, 2, 3, 4]"), Input("b", "[1, 1, 1, 1]")];

        using (await pipeline.InferAsync(_model, inputs, null, CancellationToken.None, null, RequestPriority.Job))
        {
            Assert.False(pipeline.Online.SeenWithin(TimeSpan.FromDays(1)));
        }
        using (await pipeline.InferAsync(_model, inputs, null, CancellationToken.None))
        {
            Assert.True(pipeline.Online.SeenWithin(TimeSpan.Zero));
        }
    }

    [Fact]
    public async Task InferAsync_InputsInAnyOrder_AreMatchedByName()
    {
        using var result = await InferAsync([Input("b", "[1, 1, 1, 1]"), Input("a", "[1, 2, 3, 4]")], ["product"]);

        Assert.Equal("product", Assert.Single(result.Outputs).Name);
        Assert.Equal([1f, 2, 3, 4], result.Values[0].GetTensorData<float>().ToArray());
    }

    [Fact]
    public async Task InferAsync_OutputsSelected_ReturnsOnlyThoseInRequestedOrder()
    {
        using var result = await InferAsync([Input("a", "[1, 2, 3, 4]"), Input("b", "[2, 2, 2, 2]")], ["product", "sum"]);

        Assert.Equal(["product", "sum"], result.Outputs.Select(o => o.Name));
        Assert.Equal([2f, 4, 6, 8], result.Values[0].GetTensorData<float>().ToArray());
        Assert.Equal([3f, 4, 5, 6], result.Values[1].GetTensorData<float>().ToArray());
    }

    [Fact]
    public async Task InferAsync_MissingInput_NamesIt()
    {
        Assert.Equal("Input 'b' is missing.", await InvalidAsync([Input("a", "[1, 2, 3, 4]")]));
    }

    [Fact]
    public async Task InferAsync_UnknownInput_NamesItAndTheModelsInputs()
    {
        var message = await InvalidAsync([Input("a", "[1, 2, 3, 4]"), Input("b", "[1, 2, 3, 4]"), Input("c", "[1, 2, 3, 4]")]);

        Assert.Equal("Model 'pair' has no input named 'c' (its inputs: a, b).", message);
    }

    [Fact]
    public async Task InferAsync_DuplicateInput_NamesIt()
    {
        var message = await InvalidAsync([Input("a", "[1, 2, 3, 4]"), Input("a", "[1, 2, 3, 4]"), Input("b", "[1, 2, 3, 4]")]);

        Assert.Equal("Input 'a' is given more than once.", message);
    }

    [Fact]
    public async Task InferAsync_WrongTypeAndShape_ReportsBoth()
    {
        var message = await InvalidAsync([Input("a", "[1, 2, 3]", TensorElementType.Double, 1, 3), Input("b", "[1, 2, 3, 4]")]);

        Assert.Equal("Input 'a' expects FP32, got FP64. Input 'a' dimension 1 must be 4, got 3.", message);
    }

    [Fact]
    public async Task InferAsync_SeveralProblems_ReportsEveryOneInOneMessage()
    {
        var message = await InvalidAsync(
        [
            Input("c", "[1, 2, 3, 4]"),
            Input("a", "[1, 2, 3, 4]", TensorElementType.Int32, 4),
            Input("a", "[1, 2, 3, 4]"),
        ]);

        Assert.Equal(
            "Model 'pair' has no input named 'c' (its inputs: a, b). " +
            "Input 'a' expects FP32, got INT32. Input 'a' expects rank 2 [-1, 4], got rank 1 [4]. " +
            "Input 'a' is given more than once. " +
            "Input 'b' is missing.",
            message);
    }

    [Fact]
    public async Task InferAsync_UnknownOutput_NamesItAndTheModelsOutputs()
    {
        var message = await InvalidAsync([Input("a", "[1, 2, 3, 4]"), Input("b", "[1, 2, 3, 4]")], ["difference"]);

        Assert.Equal("Model 'pair' has no output named 'difference' (its outputs: sum, product).", message);
    }

    [Fact]
    public async Task InferAsync_OutputRequestedTwice_NamesIt()
    {
        var message = await InvalidAsync([Input("a", "[1, 2, 3, 4]"), Input("b", "[1, 2, 3, 4]")], ["sum", "sum"]);

        Assert.Equal("Output 'sum' is requested more than once.", message);
    }
}
