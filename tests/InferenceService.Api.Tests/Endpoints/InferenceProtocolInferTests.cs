using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary><c>POST /v2/models/{model}[/versions/{version}]/infer</c> against models whose outputs are known exactly.</summary>
public class InferenceProtocolInferTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    private const string SetosaInput = """{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2] }""";

    private readonly HttpClient _client = service.Client;

    private async Task<(JsonElement Body, HttpResponseMessage Response)> InferAsync(string path, string json)
    {
        var response = await _client.PostJsonTextAsync(path, json);
        return (await ResponseAssert.JsonAsync(response, HttpStatusCode.OK), response);
    }

    [Fact]
    public async Task Infer_TwoInputs_ReturnsExactSumAndProductFlat()
    {
        var (body, _) = await InferAsync("/v2/models/two_inputs_two_outputs/infer", """
            {
              "inputs": [
                { "name": "a", "datatype": "FP32", "shape": [2, 4], "data": [1, 2, 3, 4, 0.5, -1, 10, -2.25] },
                { "name": "b", "datatype": "FP32", "shape": [2, 4], "data": [10, 20, 30, 40, 4, 3, -0.5, 8] }
              ]
            }
            """);

        Assert.Equal("two_inputs_two_outputs", body.GetProperty("model_name").GetString());
        Assert.Equal("1", body.GetProperty("model_version").GetString());
        JsonCompare.Equal("""
            [
              { "name": "sum", "datatype": "FP32", "shape": [2, 4], "data": [11, 22, 33, 44, 4.5, 2, 9.5, 5.75] },
              { "name": "product", "datatype": "FP32", "shape": [2, 4], "data": [10, 40, 90, 160, 2, -3, -5, -18] }
            ]
            """, body.GetProperty("outputs"));
    }

    [Fact]
    public async Task Infer_NestedData_IsReadRowMajor()
    {
        var (body, _) = await InferAsync("/v2/models/two_inputs_two_outputs/infer", """
            {
              "inputs": [
                { "name": "b", "datatype": "FP32", "shape": [2, 4], "data": [[1, 1, 1, 1], [2, 2, 2, 2]] },
                { "name": "a", "datatype": "FP32", "shape": [2, 4], "data": [[1, 2, 3, 4], [5, 6, 7, 8]] }
              ],
              "outputs": [{ "name": "product" }]
            }
            """);

        JsonCompare.Equal("""[{ "name": "product", "datatype": "FP32", "shape": [2, 4], "data": [1, 2, 3, 4, 10, 12, 14, 16] }]""", body.GetProperty("outputs"));
    }

    [Fact]
    public async Task Infer_IrisSetosaRow_ReturnsClassZeroFromNewestVersion()
    {
        var (body, _) = await InferAsync("/v2/models/iris/infer", $$"""{ "inputs": [{{SetosaInput}}] }""");

        Assert.Equal("iris", body.GetProperty("model_name").GetString());
        Assert.Equal("2", body.GetProperty("model_version").GetString());
        var outputs = body.GetProperty("outputs");
        Assert.Equal(["probabilities", "label"], outputs.EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        JsonCompare.Equal("""{ "name": "label", "datatype": "INT64", "shape": [1], "data": [0] }""", outputs[1]);
        var probabilities = outputs[0].GetProperty("data").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal([1L, 3L], outputs[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(0, Array.IndexOf(probabilities, probabilities.Max()));
    }

    [Fact]
    public async Task Infer_SpecificVersion_AnswersWithThatVersion()
    {
        var (body, _) = await InferAsync("/v2/models/iris/versions/1/infer", $$"""{ "inputs": [{{SetosaInput}}], "outputs": [{ "name": "label" }] }""");

        Assert.Equal("1", body.GetProperty("model_version").GetString());
        JsonCompare.Equal("""[{ "name": "label", "datatype": "INT64", "shape": [1], "data": [0] }]""", body.GetProperty("outputs"));
    }

    [Fact]
    public async Task Infer_WithId_EchoesIdInBodyAndHeader()
    {
        var (body, response) = await InferAsync("/v2/models/iris/infer", $$"""{ "id": "request-7", "inputs": [{{SetosaInput}}] }""");

        Assert.Equal("request-7", body.GetProperty("id").GetString());
        Assert.Equal(["request-7"], response.Headers.GetValues("X-Prediction-Id"));
    }

    [Fact]
    public async Task Infer_WithoutId_GeneratesDistinctIdsInBodyAndHeader()
    {
        var (first, response) = await InferAsync("/v2/models/iris/infer", $$"""{ "inputs": [{{SetosaInput}}] }""");
        var (second, _) = await InferAsync("/v2/models/iris/infer", $$"""{ "inputs": [{{SetosaInput}}] }""");

        var id = first.GetProperty("id").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal([id], response.Headers.GetValues("X-Prediction-Id"));
        Assert.NotEqual(id, second.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Infer_OutputsSelected_ReturnsOnlyThoseInRequestedOrder()
    {
        var (body, _) = await InferAsync("/v2/models/two_inputs_two_outputs/infer", """
            {
              "inputs": [
                { "name": "a", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4] },
                { "name": "b", "datatype": "FP32", "shape": [1, 4], "data": [3, 3, 3, 3] }
              ],
              "outputs": [{ "name": "product" }, { "name": "sum" }]
            }
            """);

        JsonCompare.Equal("""
            [
              { "name": "product", "datatype": "FP32", "shape": [1, 4], "data": [3, 6, 9, 12] },
              { "name": "sum", "datatype": "FP32", "shape": [1, 4], "data": [4, 5, 6, 7] }
            ]
            """, body.GetProperty("outputs"));
    }

    [Fact]
    public async Task Infer_FixedShapeModel_ReturnsInputPlusOne()
    {
        var (body, _) = await InferAsync("/v2/models/fixed_shape/infer", """
            { "inputs": [{ "name": "x", "datatype": "FP32", "shape": [2, 3], "data": [0, 1, 2, 3, 4, 5] }] }
            """);

        JsonCompare.Equal("""[{ "name": "y", "datatype": "FP32", "shape": [2, 3], "data": [1, 2, 3, 4, 5, 6] }]""", body.GetProperty("outputs"));
    }
}
