using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>
/// The binary tensor data extension's layouts against two_inputs_two_outputs (a, b FP32 [batch, 4] → sum, product):
/// binary and JSON inputs mixed, outputs chosen one by one, and every malformed layout a 400 that says what is wrong.
/// </summary>
public class BinaryTensorDataLayoutTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    private const string Path = "/v2/models/two_inputs_two_outputs/infer";
    private readonly HttpClient _client = service.Client;

    private static readonly byte[] A = BinaryInfer.Floats(1, 2, 3, 4);
    private static readonly byte[] B = BinaryInfer.Floats(10, 20, 30, 40);

    private static string Binary(string name, int size) =>
        $$"""{ "name": "{{name}}", "datatype": "FP32", "shape": [1, 4], "parameters": { "binary_data_size": {{size}} } }""";

    private static string Json(string name, string data) =>
        $$"""{ "name": "{{name}}", "datatype": "FP32", "shape": [1, 4], "data": {{data}} }""";

    [Fact]
    public async Task Infer_BinaryAndJsonInputsMixed_RunTogether()
    {
        var response = await _client.PostAsync(Path, $$"""{ "inputs": [{{Json("a", "[1, 2, 3, 4]")}}, {{Binary("b", 16)}}] }""", B);

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        JsonCompare.Equal("[11, 22, 33, 44]", body.GetProperty("outputs")[0].GetProperty("data"));
        JsonCompare.Equal("[10, 40, 90, 160]", body.GetProperty("outputs")[1].GetProperty("data"));
    }

    [Fact]
    public async Task Infer_TwoBinaryInputs_TakeTheirBytesInTheirOrder()
    {
        var response = await _client.PostAsync(Path, $$"""{ "inputs": [{{Binary("b", 16)}}, {{Binary("a", 16)}}], "outputs": [{ "name": "product", "parameters": { "binary_data": true } }] }""", [.. B, .. A]);

        var answer = await BinaryInfer.ReadAsync(response);
        Assert.Equal(BinaryInfer.Floats(10, 40, 90, 160), answer.Outputs["product"]);
    }

    [Fact]
    public async Task Infer_BinaryDataOutputWithOneOutputAsJson_MixesThemInTheAnswer()
    {
        var response = await _client.PostJsonTextAsync(Path, $$"""
            { "inputs": [{{Json("a", "[1, 2, 3, 4]")}}, {{Json("b", "[10, 20, 30, 40]")}}],
              "outputs": [{ "name": "sum", "parameters": { "binary_data": false } }, { "name": "product" }],
              "parameters": { "binary_data_output": true } }
            """);

        var answer = await BinaryInfer.ReadAsync(response);
        JsonCompare.Equal("""
            [{ "name": "sum", "datatype": "FP32", "shape": [1, 4], "data": [11, 22, 33, 44] },
             { "name": "product", "datatype": "FP32", "shape": [1, 4], "parameters": { "binary_data_size": 16 } }]
            """, answer.Header.GetProperty("outputs"));
        Assert.Equal(BinaryInfer.Floats(10, 40, 90, 160), answer.Outputs["product"]);
        Assert.Equal(["product"], answer.Outputs.Keys);
    }

    [Fact]
    public async Task Infer_NoOutputsNamedWithBinaryDataOutput_SendsEveryOutputAsBytes()
    {
        var response = await _client.PostAsync(Path, $$"""{ "inputs": [{{Binary("a", 16)}}, {{Binary("b", 16)}}], "parameters": { "binary_data_output": true } }""", [.. A, .. B]);

        var answer = await BinaryInfer.ReadAsync(response);
        Assert.Equal(BinaryInfer.Floats(11, 22, 33, 44), answer.Outputs["sum"]);
        Assert.Equal(BinaryInfer.Floats(10, 40, 90, 160), answer.Outputs["product"]);
    }

    public static TheoryData<string, byte[], string?, string> Malformed => new()
    {
        // Sizes that disagree with shape and datatype.
        { $$"""{ "inputs": [{{Binary("a", 12)}}, {{Json("b", "[1, 2, 3, 4]")}}] }""", BinaryInfer.Floats(1, 2, 3), "auto",
            "Input 'a' has shape [1, 4] of FP32, which takes 16 bytes (4 elements of 4), but 12 bytes were given." },
        // A body cut short: the sizes promise more than follows the JSON.
        { $$"""{ "inputs": [{{Binary("a", 16)}}, {{Binary("b", 16)}}] }""", BinaryInfer.Floats(1, 2, 3, 4, 5, 6), "auto",
            "The body is cut short: the inputs' binary_data_size add up to 32 bytes (Input 'a': 16, Input 'b': 16), but only 24 bytes follow the JSON header." },
        // Bytes nobody claims.
        { $$"""{ "inputs": [{{Binary("a", 16)}}, {{Json("b", "[1, 2, 3, 4]")}}] }""", BinaryInfer.Floats(1, 2, 3, 4, 5), "auto",
            "The body has 20 bytes of binary data after the JSON header, but the inputs' binary_data_size add up to only 16 (Input 'a': 16)." },
        // Binary data, but no input says binary_data_size.
        { $$"""{ "inputs": [{{Json("a", "[1, 2, 3, 4]")}}, {{Json("b", "[1, 2, 3, 4]")}}] }""", A, "auto",
            "The body has 16 bytes of binary data after the JSON header, but no input gives parameters.binary_data_size to claim them." },
        // An input with neither data nor binary_data_size.
        { $$"""{ "inputs": [{ "name": "a", "datatype": "FP32", "shape": [1, 4] }, {{Binary("b", 16)}}] }""", B, "auto",
            "Input 'a': \"data\" is required (or parameters.binary_data_size, with the elements as binary data after the JSON)." },
        // Both at once.
        { $$"""{ "inputs": [{ "name": "a", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4], "parameters": { "binary_data_size": 16 } }, {{Json("b", "[1, 2, 3, 4]")}}] }""", A, "auto",
            "Input 'a' gives both \"data\" and parameters.binary_data_size: send its elements one way." },
        // A size that is no size.
        { $$"""{ "inputs": [{ "name": "a", "datatype": "FP32", "shape": [1, 4], "parameters": { "binary_data_size": -16 } }, {{Json("b", "[1, 2, 3, 4]")}}] }""", A, "auto",
            "Input 'a': parameters.binary_data_size must be a whole number of bytes, 0 or more." },
        // A header length past the body.
        { $$"""{ "inputs": [{{Binary("a", 16)}}, {{Binary("b", 16)}}] }""", [.. A, .. B], "100000",
            "The Inference-Header-Content-Length header says the JSON header takes 100000 bytes, but the body has only" },
        // A header length that is no number.
        { $$"""{ "inputs": [{{Binary("a", 16)}}, {{Binary("b", 16)}}] }""", [.. A, .. B], "twelve",
            "The Inference-Header-Content-Length header must be one whole number of bytes (the JSON header's length), not 'twelve'." },
        // A header length that cuts the JSON short.
        { $$"""{ "inputs": [{{Binary("a", 16)}}, {{Binary("b", 16)}}] }""", [.. A, .. B], "10",
            "The body is not valid:" },
        // Binary data sizes without a header length: the whole body is taken for JSON, which it is not.
        { $$"""{ "inputs": [{{Binary("a", 16)}}, {{Binary("b", 16)}}] }""", [.. A, .. B], null,
            "(binary tensor data after the JSON needs the Inference-Header-Content-Length header)" },
        // BYTES elements whose length prefix runs past the data.
        { """{ "inputs": [{ "name": "a", "datatype": "BYTES", "shape": [1, 4], "parameters": { "binary_data_size": 6 } }, { "name": "b", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4] }] }""", [9, 0, 0, 0, 65, 66], "auto",
            "Input 'a' (BYTES) element 0 says it has 9 bytes, but only 2 bytes remain." },
        // Output choices that are not booleans.
        { $$"""{ "inputs": [{{Binary("a", 16)}}, {{Binary("b", 16)}}], "outputs": [{ "name": "sum", "parameters": { "binary_data": "yes" } }], "parameters": { "binary_data_output": 1 } }""", [.. A, .. B], "auto",
            "parameters.binary_data_output must be true or false. Output 'sum': parameters.binary_data must be true or false." },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Infer_MalformedBinaryLayout_Is400SayingWhatIsWrong(string json, byte[] binary, string? headerLength, string message)
    {
        var response = await _client.PostAsync(Path, json, binary, headerLength);

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, message);
    }

    [Fact]
    public async Task Infer_BinaryJsonHeaderWithEmptyBinaryPart_IsJustJson()
    {
        var response = await _client.PostAsync(Path, $$"""{ "inputs": [{{Json("a", "[1, 2, 3, 4]")}}, {{Json("b", "[1, 1, 1, 1]")}}] }""", []);

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        JsonCompare.Equal("[2, 3, 4, 5]", body.GetProperty("outputs")[0].GetProperty("data"));
    }

    [Fact]
    public async Task Predict_BinaryBody_StaysJsonOnly()
    {
        var response = await _client.PostAsync("/predict", """{ "model": "two_inputs_two_outputs", "inputs": { "a": [[1, 2, 3, 4]], "b": [[1, 2, 3, 4]] } }""", A);

        await ResponseAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "The body is not valid");
    }
}
