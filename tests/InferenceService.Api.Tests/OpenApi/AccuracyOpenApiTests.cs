using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.OpenApi;

/// <summary>The feedback and accuracy routes in the OpenAPI document.</summary>
public class AccuracyOpenApiTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    [Fact]
    public async Task GetDocument_Always_ListsTheFeedbackAndAccuracyRoutes()
    {
        var document = await ResponseAssert.JsonAsync(await service.Client.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);
        var paths = document.GetProperty("paths");

        foreach (var prefix in new[] { "/v2/models/{model}", "/v2/models/{model}/versions/{version}" })
        {
            var feedback = paths.GetProperty(prefix + "/feedback").GetProperty("post");
            Assert.True(feedback.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
            Assert.Superset(new HashSet<string> { "200", "400", "404", "409" }, feedback.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet());
            Assert.True(paths.GetProperty(prefix + "/accuracy").TryGetProperty("get", out _));
        }
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("FeedbackRequest").GetProperty("properties").TryGetProperty("targets", out _));
        Assert.True(schemas.GetProperty("ModelAccuracyResponse").GetProperty("properties").TryGetProperty("outputs", out _));
        Assert.True(schemas.GetProperty("PredictRequest").GetProperty("properties").TryGetProperty("targets", out _));
    }

    [Fact]
    public async Task GetDocument_ModelSchemas_DescribeTheirInlineTargets()
    {
        var document = await ResponseAssert.JsonAsync(await service.Client.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);
        var schemas = document.GetProperty("components").GetProperty("schemas");

        var predictTargets = schemas.GetProperty("Model_iris_PredictRequest").GetProperty("properties").GetProperty("targets").GetProperty("properties");
        var inferTargets = schemas.GetProperty("Model_iris_InferenceRequest").GetProperty("properties").GetProperty("parameters")
            .GetProperty("properties").GetProperty("targets").GetProperty("properties");

        Assert.Equal(["probabilities", "label"], predictTargets.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["probabilities", "label"], inferTargets.EnumerateObject().Select(p => p.Name));
        Assert.Contains("setosa, versicolor, virginica", predictTargets.GetProperty("label").GetProperty("items").GetProperty("description").GetString(), StringComparison.Ordinal);
        // Strings are not scored, so the identity_string model takes no targets.
        var stringTargets = schemas.GetProperty("Model_identity_string_PredictRequest").GetProperty("properties").GetProperty("targets");
        Assert.True(!stringTargets.TryGetProperty("properties", out var none) || !none.EnumerateObject().Any());
    }
}
