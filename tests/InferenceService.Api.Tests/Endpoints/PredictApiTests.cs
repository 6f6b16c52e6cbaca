using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary><c>POST /predict</c> against models whose outputs are known exactly.</summary>
public partial class PredictApiTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    private const string SetosaRow = "[5.1, 3.5, 1.4, 0.2]";
    private const string VirginicaRow = "[6.7, 3.0, 5.2, 2.3]";

    private readonly HttpClient _client = service.Client;

    private async Task<(JsonElement Body, HttpResponseMessage Response)> PredictAsync(string json)
    {
        var response = await _client.PostJsonTextAsync("/predict", json);
        return (await ResponseAssert.JsonAsync(response, HttpStatusCode.OK), response);
    }

    [Fact]
    public async Task Predict_TwoInputs_ReturnsExactSumAndProduct()
    {
        var (body, _) = await PredictAsync("""
            {
              "model": "two_inputs_two_outputs",
              "inputs": {
                "a": [[1, 2, 3, 4], [0.5, -1, 10, -2.25]],
                "b": [[10, 20, 30, 40], [4, 3, -0.5, 8]]
              }
            }
            """);

        Assert.Equal("two_inputs_two_outputs", body.GetProperty("model").GetString());
        Assert.Equal("1", body.GetProperty("version").GetString());
        JsonCompare.Equal("""
            {
              "sum": [[11, 22, 33, 44], [4.5, 2, 9.5, 5.75]],
              "product": [[10, 40, 90, 160], [2, -3, -5, -18]]
            }
            """, body.GetProperty("outputs"));
        Assert.False(body.TryGetProperty("labels", out _));
    }

    [Fact]
    public async Task Predict_IrisSetosaRow_ReturnsSetosaLabelsFromNewestVersion()
    {
        var (body, _) = await PredictAsync($$"""{ "model": "iris", "inputs": { "input": [{{SetosaRow}}] } }""");

        Assert.Equal("iris", body.GetProperty("model").GetString());
        Assert.Equal("2", body.GetProperty("version").GetString());
        JsonCompare.Equal("[0]", body.GetProperty("outputs").GetProperty("label"));
        var probabilities = body.GetProperty("outputs").GetProperty("probabilities")[0].EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal(3, probabilities.Length);
        Assert.Equal(0, Array.IndexOf(probabilities, probabilities.Max()));
        JsonCompare.Equal("""{ "probabilities": ["setosa"], "label": ["setosa"] }""", body.GetProperty("labels"));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public async Task Predict_IrisTwoRowsAtVersion_LabelsEachRowWithThatVersion(string version)
    {
        var (body, _) = await PredictAsync($$"""{ "model": "iris", "version": "{{version}}", "inputs": { "input": [{{SetosaRow}}, {{VirginicaRow}}] } }""");

        Assert.Equal(version, body.GetProperty("version").GetString());
        JsonCompare.Equal("[0, 2]", body.GetProperty("outputs").GetProperty("label"));
        JsonCompare.Equal("""{ "probabilities": ["setosa", "virginica"], "label": ["setosa", "virginica"] }""", body.GetProperty("labels"));
    }

    [Fact]
    public async Task Predict_FixedShapeModel_ReturnsInputPlusOne()
    {
        var (body, _) = await PredictAsync("""{ "model": "fixed_shape", "inputs": { "x": [[0, 1, 2], [-1.5, 100, 0.25]] } }""");

        JsonCompare.Equal("""{ "y": [[1, 2, 3], [-0.5, 101, 1.25]] }""", body.GetProperty("outputs"));
    }

    [Fact]
    public async Task Predict_WithId_EchoesIdInBodyAndHeader()
    {
        var (body, response) = await PredictAsync($$"""{ "model": "iris", "id": "request-42", "inputs": { "input": [{{SetosaRow}}] } }""");

        Assert.Equal("request-42", body.GetProperty("id").GetString());
        Assert.Equal(["request-42"], response.Headers.GetValues("X-Prediction-Id"));
    }

    [Fact]
    public async Task Predict_WithoutId_GeneratesDistinctIdsInBodyAndHeader()
    {
        const string Request = $$"""{ "model": "iris", "inputs": { "input": [{{SetosaRow}}] } }""";
        var (first, firstResponse) = await PredictAsync(Request);
        var (second, _) = await PredictAsync(Request);

        var id = first.GetProperty("id").GetString()!;
        Assert.Matches(HexId(), id);
        Assert.Equal([id], firstResponse.Headers.GetValues("X-Prediction-Id"));
        Assert.NotEqual(id, second.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Predict_OutputsSelected_ReturnsOnlyThoseOutputsAndTheirLabels()
    {
        var (body, _) = await PredictAsync($$"""{ "model": "iris", "outputs": ["label"], "inputs": { "input": [{{VirginicaRow}}] } }""");

        JsonCompare.Equal("""{ "label": [2] }""", body.GetProperty("outputs"));
        JsonCompare.Equal("""{ "label": ["virginica"] }""", body.GetProperty("labels"));
    }

    [Fact]
    public async Task Predict_OutputsInRequestedOrder_AreWrittenInThatOrder()
    {
        var (body, _) = await PredictAsync("""
            { "model": "two_inputs_two_outputs", "outputs": ["product", "sum"], "inputs": { "a": [[1, 2, 3, 4]], "b": [[2, 2, 2, 2]] } }
            """);

        Assert.Equal(["product", "sum"], body.GetProperty("outputs").EnumerateObject().Select(p => p.Name));
        JsonCompare.Equal("""{ "product": [[2, 4, 6, 8]], "sum": [[3, 4, 5, 6]] }""", body.GetProperty("outputs"));
    }

    [Fact]
    public async Task Predict_BodyWithoutJsonContentType_IsReadAsJson()
    {
        using var content = new StringContent($$"""{ "model": "iris", "inputs": { "input": [{{SetosaRow}}] } }""");
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");

        var body = await ResponseAssert.JsonAsync(await _client.PostAsync("/predict", content), HttpStatusCode.OK);

        JsonCompare.Equal("""{ "label": ["setosa"], "probabilities": ["setosa"] }""", body.GetProperty("labels"));
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex HexId();
}
