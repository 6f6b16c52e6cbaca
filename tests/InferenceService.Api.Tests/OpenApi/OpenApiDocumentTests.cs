using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.OpenApi;

/// <summary>The OpenAPI document (with each ready model's own schemas) and the Swagger UI page.</summary>
public class OpenApiDocumentTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    private readonly HttpClient _client = service.Client;

    private async Task<JsonElement> DocumentAsync() =>
        await ResponseAssert.JsonAsync(await _client.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);

    private static JsonElement Schema(JsonElement document, string name) =>
        document.GetProperty("components").GetProperty("schemas").GetProperty(name);

    [Fact]
    public async Task GetDocument_Always_ListsPredictAndEveryProtocolRoute()
    {
        var document = await DocumentAsync();

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string>
        {
            "/predict", "/health/live", "/health/ready", "/v2", "/v2/health/live", "/v2/health/ready", "/v2/repository/index",
            "/v2/models/{model}", "/v2/models/{model}/ready", "/v2/models/{model}/infer",
            "/v2/models/{model}/versions/{version}", "/v2/models/{model}/versions/{version}/ready", "/v2/models/{model}/versions/{version}/infer",
        }, paths);
        Assert.True(document.GetProperty("paths").GetProperty("/predict").TryGetProperty("post", out var predict));
        Assert.True(predict.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
    }

    [Theory]
    [InlineData("iris")]
    [InlineData("two_inputs_two_outputs")]
    [InlineData("fixed_shape")]
    [InlineData("identity_uint8")]
    [InlineData("identity_int32")]
    public async Task GetDocument_ReadyModel_HasItsOwnSchemasAndInferPath(string model)
    {
        var document = await DocumentAsync();

        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty($"Model_{model}_PredictRequest", out _));
        Assert.True(schemas.TryGetProperty($"Model_{model}_InferenceRequest", out _));
        Assert.True(schemas.TryGetProperty($"Model_{model}_PredictOutputs", out _));
        var infer = document.GetProperty("paths").GetProperty($"/v2/models/{model}/infer").GetProperty("post");
        Assert.Equal($"#/components/schemas/Model_{model}_InferenceRequest",
            infer.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
    }

    [Fact]
    public async Task GetDocument_TwoInputsModel_PredictSchemaNamesEachInputWithItsDims()
    {
        var request = Schema(await DocumentAsync(), "Model_two_inputs_two_outputs_PredictRequest");

        JsonCompare.Equal("""["two_inputs_two_outputs"]""", request.GetProperty("properties").GetProperty("model").GetProperty("enum"));
        var inputs = request.GetProperty("properties").GetProperty("inputs");
        Assert.Equal(["a", "b"], inputs.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["a", "b"], inputs.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order());
        foreach (var name in new[] { "a", "b" })
        {
            var batch = inputs.GetProperty("properties").GetProperty(name);
            Assert.Equal("array", batch.GetProperty("type").GetString());
            Assert.False(batch.TryGetProperty("minItems", out _)); // the batch dimension is dynamic
            var row = batch.GetProperty("items");
            Assert.Equal(4, row.GetProperty("minItems").GetInt32());
            Assert.Equal(4, row.GetProperty("maxItems").GetInt32());
            Assert.Equal("number", row.GetProperty("items").GetProperty("type").GetString());
        }
        var outputs = Schema(await DocumentAsync(), "Model_two_inputs_two_outputs_PredictOutputs");
        Assert.Equal(["sum", "product"], outputs.GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task GetDocument_FixedShapeModel_SchemasCarryEveryFixedDimension()
    {
        var document = await DocumentAsync();

        var x = Schema(document, "Model_fixed_shape_PredictRequest").GetProperty("properties").GetProperty("inputs").GetProperty("properties").GetProperty("x");
        Assert.Equal(2, x.GetProperty("minItems").GetInt32());
        Assert.Equal(2, x.GetProperty("maxItems").GetInt32());
        Assert.Equal(3, x.GetProperty("items").GetProperty("minItems").GetInt32());
        Assert.Equal(3, x.GetProperty("items").GetProperty("maxItems").GetInt32());

        var protocolInput = Assert.Single(Schema(document, "Model_fixed_shape_InferenceRequest")
            .GetProperty("properties").GetProperty("inputs").GetProperty("items").GetProperty("oneOf").EnumerateArray());
        JsonCompare.Equal("""["x"]""", protocolInput.GetProperty("properties").GetProperty("name").GetProperty("enum"));
        JsonCompare.Equal("""["FP32"]""", protocolInput.GetProperty("properties").GetProperty("datatype").GetProperty("enum"));
        Assert.Equal(2, protocolInput.GetProperty("properties").GetProperty("shape").GetProperty("minItems").GetInt32());
        Assert.Contains("[2, 3]", protocolInput.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetDocument_IrisModel_ExamplesRunAsTheyAre()
    {
        var document = await DocumentAsync();
        var predictExample = Schema(document, "Model_iris_PredictRequest").GetProperty("example").GetRawText();
        var inferExample = Schema(document, "Model_iris_InferenceRequest").GetProperty("example").GetRawText();

        var predict = await ResponseAssert.JsonAsync(await _client.PostJsonTextAsync("/predict", predictExample), HttpStatusCode.OK);
        var infer = await ResponseAssert.JsonAsync(await _client.PostJsonTextAsync("/v2/models/iris/infer", inferExample), HttpStatusCode.OK);

        Assert.Equal("iris", predict.GetProperty("model").GetString());
        Assert.Equal("iris", infer.GetProperty("model_name").GetString());
    }

    [Fact]
    public async Task GetSwaggerUi_Always_ReturnsHtmlPage()
    {
        using var response = await _client.GetAsync("/swagger/index.html");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>Swagger UI</title>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSwagger_Always_RedirectsToUiPage()
    {
        using var client = service.Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var response = await client.GetAsync("/swagger");

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("swagger/index.html", response.Headers.Location?.OriginalString);
    }
}
