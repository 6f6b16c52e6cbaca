using System.Globalization;
using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>
/// Many requests at once against one model instance: inputs live in pooled buffers handed to ONNX Runtime without
/// copying, so each answer must still be computed from its own request's values and no other.
/// </summary>
public class ConcurrentRequestTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    private const int Requests = 64;

    private readonly HttpClient _client = service.Client;

    private static string Row(int i, int offset) =>
        "[" + string.Join(", ", Enumerable.Range(offset, 4).Select(k => (i * 10 + k).ToString(CultureInfo.InvariantCulture))) + "]";

    [Fact]
    public async Task Predict_ManyConcurrentRequests_EachGetsItsOwnAnswer()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async i =>
        {
            var response = await _client.PostJsonTextAsync("/predict",
                $$"""{ "model": "two_inputs_two_outputs", "id": "r{{i}}", "inputs": { "a": [{{Row(i, 0)}}], "b": [[1, 1, 1, 1]] } }""");
            return (i, Body: await ResponseAssert.JsonAsync(response, HttpStatusCode.OK));
        }));

        foreach (var (i, body) in answers)
        {
            Assert.Equal($"r{i}", body.GetProperty("id").GetString());
            JsonCompare.Equal($$"""{ "sum": [{{Row(i, 1)}}], "product": [{{Row(i, 0)}}] }""", body.GetProperty("outputs"));
        }
    }

    [Fact]
    public async Task Infer_ManyConcurrentRequestsOfDifferentSizes_EachGetsItsOwnAnswer()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async i =>
        {
            var rows = 1 + (i % 5);
            var data = string.Join(", ", Enumerable.Repeat(Row(i, 0)[1..^1], rows));
            var response = await _client.PostJsonTextAsync("/v2/models/two_inputs_two_outputs/infer", $$"""
                {
                  "inputs": [
                    { "name": "a", "datatype": "FP32", "shape": [{{rows}}, 4], "data": [{{data}}] },
                    { "name": "b", "datatype": "FP32", "shape": [{{rows}}, 4], "data": [{{data}}] }
                  ],
                  "outputs": [{ "name": "sum" }]
                }
                """);
            return (i, rows, Body: await ResponseAssert.JsonAsync(response, HttpStatusCode.OK));
        }));

        foreach (var (i, rows, body) in answers)
        {
            var doubled = Enumerable.Range(0, 4).Select(k => (2 * (i * 10 + k)).ToString(CultureInfo.InvariantCulture));
            var expected = string.Join(", ", Enumerable.Repeat(string.Join(", ", doubled), rows));
            JsonCompare.Equal($$"""[{ "name": "sum", "datatype": "FP32", "shape": [{{rows}}, 4], "data": [{{expected}}] }]""", body.GetProperty("outputs"));
        }
    }
}
