using System.Text.Json;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Tests.TestSupport;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Serving;

/// <summary>
/// The request path's decode: a request's inputs as it states them (views into one parsed body), checked whole
/// against two_inputs_two_outputs (a, b FP32 [batch, 4] → sum, product) before anything is decoded.
/// </summary>
public sealed class InferencePipelineDecodeTests : IDisposable
{
    private readonly LoadedModel _model = LoadedModel.WithScheduler(
        "pair", 3, new ModelConfig { MaxBatchSize = 4 },
        new SessionPool([OnnxSession.Create(TempRepository.TestModel("two_inputs_two_outputs.onnx"))]),
        new Dictionary<string, IReadOnlyList<string>>());

    private readonly InferencePipeline _pipeline = new();
    private readonly List<JsonDocument> _documents = [];

    public void Dispose()
    {
        _documents.ForEach(d => d.Dispose());
        _model.Dispose();
    }

    private JsonElement Json(string text)
    {
        var document = JsonDocument.Parse(text);
        _documents.Add(document);
        return document.RootElement;
    }

    private JsonInput Nested(string name, string data) => JsonInput.Nested(name, Json(data));

    private JsonInput Flat(string name, string data, long[] shape, TensorElementType type = TensorElementType.Float) =>
        JsonInput.WithShape(name, type, shape, Json(data));

    private string Problems(JsonInput[] inputs, IReadOnlyList<string>? outputs = null)
    {
        var problems = new RequestProblems();
        var decoded = _pipeline.Decode(_model, inputs, outputs, ref problems);
        Assert.Null(decoded);
        Assert.True(problems.Any);
        var error = problems.ToException();
        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        return error.Message;
    }

    [Fact]
    public async Task Decode_InputsInAnyOrder_GivesTensorsInTheModelsOrderThatRun()
    {
        var problems = new RequestProblems();
        using var decoded = _pipeline.Decode(_model, [Nested("b", "[[1, 1, 1, 1], [2, 2, 2, 2]]"), Flat("a", "[1, 2, 3, 4, 5, 6, 7, 8]", [2, 4])], null, ref problems);

        Assert.False(problems.Any);
        Assert.NotNull(decoded);
        Assert.Equal(["a", "b"], decoded.Inputs.Select(i => i.Name));
        Assert.Equal(2, decoded.Rows);
        Assert.Equal([1f, 2, 3, 4, 5, 6, 7, 8], decoded.Inputs[0].GetData<float>().ToArray());
        Assert.Equal([2L, 4L], decoded.Inputs[1].Shape);
        using var result = await _pipeline.InferAsync(decoded, CancellationToken.None);
        Assert.Equal(["sum", "product"], result.Outputs.Select(o => o.Name));
        Assert.Equal([2f, 3, 4, 5, 7, 8, 9, 10], result.Values[0].GetTensorData<float>().ToArray());
    }

    [Fact]
    public void Decode_OutputsNamed_KeepsTheirOrder()
    {
        var problems = new RequestProblems();
        using var decoded = _pipeline.Decode(_model, [Nested("a", "[[1, 2, 3, 4]]"), Nested("b", "[[1, 2, 3, 4]]")], ["product", "sum"], ref problems);

        Assert.Equal(["product", "sum"], decoded!.Outputs.Select(o => o.Name));
    }

    [Fact]
    public void Decode_SeveralProblems_ReportsEveryOneInOneMessage()
    {
        var message = Problems(
        [
            Nested("c", "[[1, 2, 3, 4]]"),
            Flat("a", "[1, 2, 3]", [1, 3], TensorElementType.Double),
            Nested("a", "[[1, 2, 3, 4]]"),
        ], ["difference"]);

        Assert.Equal(
            "Model 'pair' has no input named 'c' (its inputs: a, b). " +
            "Input 'a' expects FP32, got FP64. Input 'a' dimension 1 must be 4, got 3. " +
            "Input 'a' is given more than once. " +
            "Input 'b' is missing. " +
            "Model 'pair' has no output named 'difference' (its outputs: sum, product).",
            message);
    }

    [Fact]
    public void Decode_DataAndShapeDisagreeAndRagged_ReportsBothInputs()
    {
        var message = Problems([Flat("a", "[1, 2, 3, 4]", [2, 4]), Nested("b", "[[1, 2, 3, 4], [1, 2]]")]);

        Assert.Equal(
            "Input 'a' has shape [2, 4], which holds 8 elements, but 4 were given. " +
            "Input 'b' is ragged: row [1] has 2 elements, row [0] has 4.",
            message);
    }

    [Fact]
    public void Decode_MetadataProblemAndABadValue_ReportsTheMetadataProblemOnly()
    {
        // Values are read only once the request fits the model: the bad value in 'a' is never reached.
        Assert.Equal("Input 'b' is missing.", Problems([Nested("a", """[[1, "two", 3, 4]]""")]));
    }

    [Fact]
    public void Decode_BadValueInAFittingRequest_ReportsTheFirstBadValue()
    {
        var message = Problems([Nested("a", """[[1, 2, 3, 4]]"""), Nested("b", """[[1, "two", "three", 4]]""")]);

        Assert.Equal("Input 'b' element [0][1]: expected a number, \"NaN\", \"Infinity\" or \"-Infinity\" for FP32, got the string \"two\".", message);
    }

    [Fact]
    public void Decode_BatchesDisagreeOrTooLarge_NamesTheBatchProblem()
    {
        Assert.Contains("The inputs disagree on the batch size (their first dimension): 'a' has 1, 'b' has 2.",
            Problems([Nested("a", "[[1, 2, 3, 4]]"), Nested("b", "[[1, 2, 3, 4], [1, 2, 3, 4]]")]), StringComparison.Ordinal);
        var five = "[" + string.Join(", ", Enumerable.Repeat("[1, 2, 3, 4]", 5)) + "]";
        Assert.Equal("The request holds a batch of 5 rows, more than model 'pair' takes at once (max_batch_size 4); split it.",
            Problems([Nested("a", five), Nested("b", five)]));
    }

    [Fact]
    public void Decode_ProblemsFoundBefore_DecodesNothing()
    {
        var problems = new RequestProblems();
        problems.Add("inputs[2]: \"name\" is required.");

        var decoded = _pipeline.Decode(_model, [Nested("a", "[[1, 2, 3, 4]]"), Nested("b", "[[1, 2, 3, 4]]")], null, ref problems);

        Assert.Null(decoded);
        Assert.Equal(1, problems.Count);
    }
}
