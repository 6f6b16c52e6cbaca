using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Errors;

/// <summary>
/// Every kind of client mistake on both APIs: the status code, the body form (<c>{"error"}</c> on /v2,
/// ProblemDetails with a <c>detail</c> on /predict), a message that names the input and the problem, and no stack
/// trace, path or .NET type name in the body.
/// </summary>
public class ClientErrorTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    private const string IrisRow = """{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2] }""";

    private readonly HttpClient _client = service.Client;

    /// <summary>What is wrong, the /predict body, the fragments its detail must hold.</summary>
    public static TheoryData<string, string, string[]> PredictBadRequests => new()
    {
        { "unknown input", """{ "model": "iris", "inputs": { "petals": [[1, 2, 3, 4]] } }""", ["no input named 'petals'", "its inputs: input"] },
        { "duplicate JSON key in inputs", """{ "model": "iris", "inputs": { "input": [[1, 2, 3, 4]], "input": [[1, 2, 3, 4]] } }""", ["given twice", "$.inputs.input"] },
        { "missing input", """{ "model": "two_inputs_two_outputs", "inputs": { "a": [[1, 2, 3, 4]] } }""", ["Input 'b' is missing."] },
        { "no inputs", """{ "model": "iris", "inputs": {} }""", ["\"inputs\" is required", "(input)"] },
        { "no model", """{ "inputs": { "input": [[1, 2, 3, 4]] } }""", ["\"model\" is required"] },
        { "rank mismatch", """{ "model": "iris", "inputs": { "input": [1, 2, 3, 4] } }""", ["Input 'input' expects rank 2 [-1, 4], got rank 1 [4]."] },
        { "dynamic model, fixed dimension mismatch", """{ "model": "iris", "inputs": { "input": [[1, 2, 3]] } }""", ["Input 'input' dimension 1 must be 4, got 3."] },
        { "fixed-shape model, dimension mismatch", """{ "model": "fixed_shape", "inputs": { "x": [[1, 2, 3]] } }""", ["Input 'x' dimension 0 must be 2, got 1."] },
        { "wrong JSON kind", """{ "model": "iris", "inputs": { "input": [[1, "two", 3, 4]] } }""", ["Input 'input' element [0][1]", "FP32", "the string \"two\""] },
        { "boolean for a number", """{ "model": "iris", "inputs": { "input": [[1, 2, true, 4]] } }""", ["Input 'input' element [0][2]", "got true"] },
        { "out of range", """{ "model": "identity_uint8", "inputs": { "x": [[0, 300, 1]] } }""", ["Input 'x' element [0][1]: 300 is out of range for UINT8 (0..255)."] },
        { "negative into unsigned", """{ "model": "identity_uint8", "inputs": { "x": [[0, -1, 1]] } }""", ["Input 'x' element [0][1]: -1 is out of range for UINT8"] },
        { "non-integral into INT32", """{ "model": "identity_int32", "inputs": { "x": [[1, 2.5, 3]] } }""", ["Input 'x' element [0][1]: 2.5 is not an integer, which INT32 requires."] },
        { "ragged", """{ "model": "iris", "inputs": { "input": [[1, 2, 3, 4], [1, 2]] } }""", ["Input 'input' is ragged: row [1] has 2 elements, row [0] has 4."] },
        { "arrays mixed with scalars", """{ "model": "iris", "inputs": { "input": [[1, 2, 3, 4], 5] } }""", ["Input 'input' mixes arrays and scalars"] },
        { "malformed JSON", """{ "model": "iris", "inputs": { "input": [[1, 2, 3, 4]] }""", ["malformed JSON"] },
        { "not JSON at all", """model=iris&input=1,2,3,4""", ["malformed JSON", "line 1"] },
        { "wrong JSON type for model", """{ "model": 5, "inputs": {} }""", ["wrong JSON type", "$.model"] },
        { "wrong JSON type for outputs", """{ "model": "iris", "outputs": "label", "inputs": { "input": [[1, 2, 3, 4]] } }""", ["wrong JSON type", "$.outputs"] },
        // Positions after an input's value, which is read from the text apart from the rest of the body.
        { "wrong JSON type after an input", """{ "model": "iris", "inputs": { "input": [[1, 2, 3, 4]] }, "outputs": "label" }""", ["wrong JSON type at $.outputs (line 1, byte 70)."] },
        { "input given twice", """{ "model": "iris", "inputs": { "input": [[1, 2, 3, 4]], "input": [[5, 6, 7, 8]] } }""", ["a property is given twice at $.inputs.input (line 1, byte 66)."] },
        { "wrong JSON type lines after an input", "{ \"model\": \"iris\", \"inputs\": { \"input\": [[1, 2, 3, 4],\n  [5, 6, 7, 8]] },\n \"id\": 5 }", ["wrong JSON type at $.id (line 3, byte 8)."] },
        { "body is null", """null""", ["JSON object"] },
        { "null output name", """{ "model": "iris", "outputs": ["label", null], "inputs": { "input": [[1, 2, 3, 4]] } }""", ["outputs[1]", "null"] },
        { "unknown output", """{ "model": "iris", "outputs": ["class"], "inputs": { "input": [[1, 2, 3, 4]] } }""", ["no output named 'class'", "probabilities, label"] },
        { "output requested twice", """{ "model": "iris", "outputs": ["label", "label"], "inputs": { "input": [[1, 2, 3, 4]] } }""", ["Output 'label' is requested more than once."] },
    };

    /// <summary>What is wrong, the model, the /v2 infer body, the fragments its error must hold.</summary>
    public static TheoryData<string, string, string, string[]> InferBadRequests => new()
    {
        { "unknown input", "iris", """{ "inputs": [{ "name": "petals", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4] }] }""", ["no input named 'petals'", "its inputs: input"] },
        { "duplicate input", "iris", $$"""{ "inputs": [{{IrisRow}}, {{IrisRow}}] }""", ["Input 'input' is given more than once."] },
        { "duplicate JSON key", "iris", """{ "inputs": [{ "name": "input", "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4] }] }""", ["given twice", "$.inputs[0].name"] },
        { "missing input", "two_inputs_two_outputs", """{ "inputs": [{ "name": "a", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4] }] }""", ["Input 'b' is missing."] },
        { "no inputs", "iris", """{ "inputs": [] }""", ["\"inputs\" is required", "(input)"] },
        { "datatype mismatch", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP64", "shape": [1, 4], "data": [1, 2, 3, 4] }] }""", ["Input 'input' expects FP32, got FP64."] },
        { "unknown datatype", "iris", """{ "inputs": [{ "name": "input", "datatype": "FLOAT32", "shape": [1, 4], "data": [1, 2, 3, 4] }] }""", ["Input 'input'", "\"datatype\" must be one of", "not \"FLOAT32\""] },
        { "rank mismatch", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [4], "data": [1, 2, 3, 4] }] }""", ["Input 'input' expects rank 2 [-1, 4], got rank 1 [4]."] },
        { "fixed dimensions mismatch", "fixed_shape", """{ "inputs": [{ "name": "x", "datatype": "FP32", "shape": [3, 2], "data": [1, 2, 3, 4, 5, 6] }] }""", ["Input 'x' dimension 0 must be 2, got 3.", "Input 'x' dimension 1 must be 3, got 2."] },
        { "element count is not the shape's product", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [2, 4], "data": [1, 2, 3, 4] }] }""", ["Input 'input' has shape [2, 4], which holds 8 elements, but 4 were given."] },
        { "negative dimension", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [-1, 4], "data": [1, 2, 3, 4] }] }""", ["Input 'input' has a negative dimension (-1) in shape [-1, 4]."] },
        { "overflowing dimensions", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [9223372036854775807, 4], "data": [1, 2, 3, 4] }] }""", ["Input 'input' shape [9223372036854775807, 4] has more elements than a tensor can hold."] },
        { "wrong JSON kind", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, {}, 4] }] }""", ["Input 'input' element [2]", "FP32", "an object"] },
        { "misspelt NaN", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, "nan", 4] }] }""", ["Input 'input' element [2]", "the string \"nan\""] },
        { "out of range", "identity_uint8", """{ "inputs": [{ "name": "x", "datatype": "UINT8", "shape": [1, 3], "data": [0, 300, 1] }] }""", ["Input 'x' element [1]: 300 is out of range for UINT8 (0..255)."] },
        { "non-integral into INT32", "identity_int32", """{ "inputs": [{ "name": "x", "datatype": "INT32", "shape": [1, 3], "data": [1, 2.5, 3] }] }""", ["Input 'x' element [1]: 2.5 is not an integer, which INT32 requires."] },
        { "ragged (scalars at different depths)", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [[1, 2], 3, 4] }] }""", ["Input 'input' mixes arrays and scalars"] },
        { "ragged (rows of different lengths)", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [2, 4], "data": [[1, 2, 3, 4], [5, 6, 7]] }] }""", ["Input 'input' has shape [2, 4], which holds 8 elements, but 7 were given."] },
        { "no shape", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "data": [1, 2, 3, 4] }] }""", ["Input 'input': \"shape\" is required."] },
        { "no data", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4] }] }""", ["Input 'input': \"data\" is required"] },
        { "no name", "iris", """{ "inputs": [{ "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4] }] }""", ["inputs[0]: \"name\" is required."] },
        { "malformed JSON", "iris", """{ "inputs": [""", ["malformed JSON"] },
        { "wrong JSON type for inputs", "iris", """{ "inputs": "input" }""", ["wrong JSON type", "$.inputs"] },
        { "wrong JSON type for shape", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": "1x4", "data": [1, 2, 3, 4] }] }""", ["wrong JSON type", "$.inputs[0].shape"] },
        { "unknown output", "iris", $$"""{ "inputs": [{{IrisRow}}], "outputs": [{ "name": "class" }] }""", ["no output named 'class'", "probabilities, label"] },
        { "FP16 out of range", "identity_float16", """{ "inputs": [{ "name": "x", "datatype": "FP16", "shape": [1, 3], "data": [1, 70000, 2] }] }""", ["Input 'x' element [1]: 70000 is out of range for FP16 (-65504..65504)."] },
        { "NUL in a string", "identity_string", """{ "inputs": [{ "name": "x", "datatype": "BYTES", "shape": [1, 3], "data": ["a", "b\u0000c", "d"] }] }""", ["Input 'x' element [1]: contains the NUL character"] },
        { "number for BYTES", "identity_string", """{ "inputs": [{ "name": "x", "datatype": "BYTES", "shape": [1, 3], "data": ["a", 5, "d"] }] }""", ["Input 'x' element [1]: expected a string for BYTES, got the number 5."] },
        { "string for BOOL", "identity_bool", """{ "inputs": [{ "name": "x", "datatype": "BOOL", "shape": [1, 3], "data": [true, "false", 0] }] }""", ["Input 'x' element [1]: expected true or false for BOOL, got the string \"false\"."] },
        // Positions after an input's data, which is read from the text apart from the rest of the body.
        { "wrong JSON type after data", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4] }], "outputs": "label" }""", ["wrong JSON type at $.outputs (line 1, byte 106)."] },
        { "data given twice", "iris", """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4], "data": [5, 6, 7, 8] }] }""", ["a property is given twice at $.inputs[0].data (line 1, byte 100)."] },
        { "wrong JSON type lines after data", "iris", "{ \"inputs\": [{ \"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [1, 4], \"data\": [1,\n 2, 3, 4] }],\n  \"outputs\": \"label\" }", ["wrong JSON type at $.outputs (line 3, byte 14)."] },
        { "null input entry", "iris", """{ "inputs": [null] }""", ["inputs[0]", "null"] },
        { "null output entry", "iris", $$"""{ "inputs": [{{IrisRow}}], "outputs": [{ "name": "label" }, null] }""", ["outputs[1]", "null"] },
        { "output without a name", "iris", $$"""{ "inputs": [{{IrisRow}}], "outputs": [{}] }""", ["outputs[0]: \"name\" is required."] },
    };

    [Theory]
    [MemberData(nameof(PredictBadRequests))]
    public async Task Predict_BadRequest_Returns400ProblemNamingTheProblem(string problem, string body, string[] fragments)
    {
        _ = problem;
        await ResponseAssert.ProblemAsync(await _client.PostJsonTextAsync("/predict", body), HttpStatusCode.BadRequest, fragments);
    }

    [Theory]
    [MemberData(nameof(InferBadRequests))]
    public async Task Infer_BadRequest_Returns400ErrorNamingTheProblem(string problem, string model, string body, string[] fragments)
    {
        _ = problem;
        await ResponseAssert.ProtocolErrorAsync(await _client.PostJsonTextAsync($"/v2/models/{model}/infer", body), HttpStatusCode.BadRequest, fragments);
    }

    [Fact]
    public async Task Infer_SeveralProblems_ReportsEveryOneInOneMessage()
    {
        var response = await _client.PostJsonTextAsync("/v2/models/two_inputs_two_outputs/infer", """
            { "inputs": [{ "name": "a", "datatype": "FP64", "shape": [1, 3], "data": [1, 2, 3] }] }
            """);

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest,
            "Input 'a' expects FP32, got FP64.", "Input 'a' dimension 1 must be 4, got 3.", "Input 'b' is missing.");
    }

    [Fact]
    public async Task Predict_SeveralProblems_ReportsEveryOneInOneDetail()
    {
        var response = await _client.PostJsonTextAsync("/predict", """{ "model": "two_inputs_two_outputs", "inputs": { "b": [[1, 2, 3]] } }""");

        await ResponseAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "Input 'b' dimension 1 must be 4, got 3.", "Input 'a' is missing.");
    }

    [Theory]
    [InlineData("""{ "model": "nope", "inputs": { "input": [[1, 2, 3, 4]] } }""", "Model 'nope' is not in the repository.")]
    [InlineData("""{ "model": "iris", "version": "7", "inputs": { "input": [[1, 2, 3, 4]] } }""", "Model 'iris' has no version 7 being served (served: 2, 1).")]
    [InlineData("""{ "model": "iris", "version": "seven", "inputs": { "input": [[1, 2, 3, 4]] } }""", "Model 'iris' has no version 'seven'")]
    [InlineData("""{ "model": "iris", "version": "0", "inputs": { "input": [[1, 2, 3, 4]] } }""", "Model 'iris' has no version '0'")]
    public async Task Predict_UnknownModelOrVersion_Returns404Problem(string body, string fragment)
    {
        await ResponseAssert.ProblemAsync(await _client.PostJsonTextAsync("/predict", body), HttpStatusCode.NotFound, fragment);
    }

    [Theory]
    [InlineData("/v2/models/nope/infer", "Model 'nope' is not in the repository.")]
    [InlineData("/v2/models/iris/versions/7/infer", "Model 'iris' has no version 7 being served (served: 2, 1).")]
    [InlineData("/v2/models/iris/versions/seven/infer", "Model 'iris' has no version 'seven'")]
    [InlineData("/v2/models/iris/versions/99999999999999999999/infer", "Model 'iris' has no version '99999999999999999999'")]
    public async Task Infer_UnknownModelOrVersion_Returns404Error(string path, string fragment)
    {
        await ResponseAssert.ProtocolErrorAsync(await _client.PostJsonTextAsync(path, $$"""{ "inputs": [{{IrisRow}}] }"""), HttpStatusCode.NotFound, fragment);
    }

    [Fact]
    public async Task UnknownRoute_Returns404WithoutInternals()
    {
        using var response = await _client.PostJsonTextAsync("/v2/models/iris/explain", "{}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        ResponseAssert.NoInternals(await response.Content.ReadAsStringAsync());
    }
}
