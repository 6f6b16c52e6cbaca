using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Hosting;

/// <summary>
/// The built service as its own process, as it is deployed: <c>dotnet InferenceService.dll --urls …</c> serving the
/// source tree's models/, called over real HTTP.
/// </summary>
public class ServiceProcessTests
{
    [Fact]
    public async Task ServiceProcess_ServingSampleModels_AnswersPredictAndInferOverHttp()
    {
        await using var service = await ServiceProcess.StartAsync();
        var client = service.Client;

        using var predict = await client.PostJsonTextAsync("/predict", """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] } }""");
        var predicted = await ReadJsonAsync(predict, service);
        Assert.Equal("iris", predicted.GetProperty("model").GetString());
        Assert.Equal("2", predicted.GetProperty("version").GetString());
        JsonCompare.Equal("""["setosa", "virginica"]""", predicted.GetProperty("labels").GetProperty("label"));
        JsonCompare.Equal("[0, 2]", predicted.GetProperty("outputs").GetProperty("label"));
        Assert.Equal(predicted.GetProperty("id").GetString(), Assert.Single(predict.Headers.GetValues("X-Prediction-Id")));

        using var infer = await client.PostJsonTextAsync("/v2/models/iris/infer", """
            { "id": "process-test", "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2] }], "outputs": [{ "name": "label" }] }
            """);
        var inferred = await ReadJsonAsync(infer, service);
        JsonCompare.Equal("""
            {
              "model_name": "iris",
              "model_version": "2",
              "id": "process-test",
              "outputs": [{ "name": "label", "datatype": "INT64", "shape": [1], "data": [0] }]
            }
            """, inferred);

        using var notFound = await client.PostJsonTextAsync("/v2/models/nope/infer", "{}");
        await ResponseAssert.ProtocolErrorAsync(notFound, HttpStatusCode.NotFound, "Model 'nope' is not in the repository.");
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, ServiceProcess service)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}\nOutput:\n{service.Output}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }
}
