using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>
/// The classification extension: <c>outputs[].parameters.classification: N</c> answers an output with its top N as
/// BYTES "value:index[:label]", with the labels of the output's label file when it has one.
/// </summary>
public class ClassificationTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    private readonly HttpClient _client = service.Client;

    private const string Inputs = """
        "inputs": [{ "name": "a", "datatype": "FP32", "shape": [2, 4], "data": [1, 2, 3, 4, 0.5, -1, 10, -2.25] },
                   { "name": "b", "datatype": "FP32", "shape": [2, 4], "data": [10, 20, 30, 40, 4, 3, -0.5, 8] }]
        """;

    [Fact]
    public async Task Infer_ClassificationWithoutLabels_IsTopNValueAndIndexPerRow()
    {
        var response = await _client.PostJsonTextAsync("/v2/models/two_inputs_two_outputs/infer",
            $$"""{ {{Inputs}}, "outputs": [{ "name": "sum", "parameters": { "classification": 2 } }, { "name": "product" }] }""");

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        // sum is [[11, 22, 33, 44], [4.5, 2, 9.5, 5.75]]
        JsonCompare.Equal("""
            [{ "name": "sum", "datatype": "BYTES", "shape": [2, 2], "data": ["44:3", "33:2", "9.5:2", "5.75:3"] },
             { "name": "product", "datatype": "FP32", "shape": [2, 4], "data": [10, 40, 90, 160, 2, -3, -5, -18] }]
            """, body.GetProperty("outputs"));
    }

    [Fact]
    public async Task Infer_ClassificationWithLabels_AddsTheLabel()
    {
        var response = await _client.PostJsonTextAsync("/v2/models/iris/infer", """
            { "inputs": [{ "name": "input", "datatype": "FP32", "shape": [2, 4], "data": [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3] }],
              "outputs": [{ "name": "probabilities", "parameters": { "classification": 1 } }, { "name": "label", "parameters": { "classification": 5 } }] }
            """);

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        var probabilities = body.GetProperty("outputs")[0];
        Assert.Equal("BYTES", probabilities.GetProperty("datatype").GetString());
        JsonCompare.Equal("[2, 1]", probabilities.GetProperty("shape"));
        var top = probabilities.GetProperty("data").EnumerateArray().Select(e => e.GetString()!.Split(':')).ToArray();
        Assert.Equal(["0", "setosa"], top[0][1..]);
        Assert.Equal(["2", "virginica"], top[1][1..]);
        Assert.InRange(float.Parse(top[0][0], System.Globalization.CultureInfo.InvariantCulture), 0.5f, 1f);
        // label is [0, 2] of shape [2]: one row of two values, ranked, each index named by the label file.
        JsonCompare.Equal("""{ "name": "label", "datatype": "BYTES", "shape": [2], "data": ["2:1:versicolor", "0:0:setosa"] }""", body.GetProperty("outputs")[1]);
    }

    [Fact]
    public async Task Infer_ClassificationAsBinary_IsLengthPrefixedStrings()
    {
        var response = await _client.PostJsonTextAsync("/v2/models/two_inputs_two_outputs/infer",
            $$"""{ {{Inputs}}, "outputs": [{ "name": "sum", "parameters": { "classification": 1, "binary_data": true } }] }""");

        var answer = await BinaryInfer.ReadAsync(response);
        Assert.Equal(BinaryInfer.Strings("44:3", "9.5:2"), answer.Outputs["sum"]);
        JsonCompare.Equal("""[{ "name": "sum", "datatype": "BYTES", "shape": [2, 1], "parameters": { "binary_data_size": 17 } }]""", answer.Header.GetProperty("outputs"));
    }

    [Theory]
    [InlineData("/v2/models/two_inputs_two_outputs/infer", "sum", "0", "Output 'sum': parameters.classification must be a whole number of classes, 1 or more.")]
    [InlineData("/v2/models/two_inputs_two_outputs/infer", "sum", "\"2\"", "Output 'sum': parameters.classification must be a whole number of classes, 1 or more.")]
    [InlineData("/v2/models/identity_string/infer", "y", "1", "Output 'y' does not hold numbers, so it has no classes to rank: classification needs an output of numbers.")]
    public async Task Infer_ClassificationThatCannotBeAnswered_Is400(string path, string output, string count, string message)
    {
        var inputs = path.Contains("string", StringComparison.Ordinal)
            ? """ "inputs": [{ "name": "x", "datatype": "BYTES", "shape": [1, 3], "data": ["a", "b", "c"] }] """
            : Inputs;
        var response = await _client.PostJsonTextAsync(path, $$"""{ {{inputs}}, "outputs": [{ "name": "{{output}}", "parameters": { "classification": {{count}} } }] }""");

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, message);
    }
}
