using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Accuracy;

/// <summary>Feedback that cannot be scored answers the protocol's {"error": "…"} with the status that says why.</summary>
public class FeedbackErrorTests(AccuracyModelsFixture service) : IClassFixture<AccuracyModelsFixture>
{
    private readonly HttpClient _client = service.Client;

    private async Task<string> ErrorAsync(string model, string body, HttpStatusCode status, params string[] fragments)
    {
        using var response = await _client.FeedbackAsync(model, body);
        return await ResponseAssert.ProtocolErrorAsync(response, status, fragments);
    }

    [Fact]
    public async Task Feedback_UnknownId_IsNotFound()
    {
        await ErrorAsync("errors", """{"id": "never-made", "targets": {"y": ["a"]}}""", HttpStatusCode.NotFound,
            "Model 'errors'", "has no prediction 'never-made' waiting for feedback");
    }

    [Fact]
    public async Task Feedback_SameIdTwice_IsAConflict()
    {
        await _client.PredictAsync("errors", "twice", [[1, 0, 0]]);
        await _client.FeedbackOkAsync("errors", "twice", """{"y": ["a"]}""");

        await ErrorAsync("errors", """{"id": "twice", "targets": {"y": ["a"]}}""", HttpStatusCode.Conflict,
            "Prediction 'twice' of model 'errors' version 1 has already been scored");
    }

    [Theory]
    [InlineData("""{"id": "shape", "targets": {"y": ["a", "b"]}}""", "targets 'y' has 2 values, but the prediction has 1 row")]
    [InlineData("""{"id": "shape", "targets": {"y": [[0.1, 0.2, 0.7]]}}""", "targets 'y' row 0: expected a class name or a class index, got an array")]
    [InlineData("""{"id": "shape", "targets": {"y": [true]}}""", "got true")]
    [InlineData("""{"id": "shape", "targets": {"z": ["a"]}}""", "the prediction has no output 'z' to score (scorable outputs of this prediction: y)")]
    [InlineData("""{"id": "shape", "targets": ["a"]}""", "\"targets\" must be an object")]
    [InlineData("""{"id": "shape"}""", "\"targets\" is required")]
    [InlineData("""{"targets": {"y": ["a"]}}""", "\"id\" is required")]
    [InlineData("""{"id": "", "targets": {"y": ["a"]}}""", "\"id\" is required")]
    [InlineData("""{"id": 7, "targets": {"y": ["a"]}}""", "a value has the wrong JSON type")]
    [InlineData("""{"id": "shape", "targets": {"y": ["a"]""", "malformed JSON")]
    [InlineData("""{"id": "shape", "id": "shape", "targets": {"y": ["a"]}}""", "a property is given twice")]
    public async Task Feedback_BadBody_IsABadRequestThatSaysWhy(string body, string expected)
    {
        await _client.PredictAsync("errors", "shape", [[1, 0, 0]]);

        await ErrorAsync("errors", body, HttpStatusCode.BadRequest, expected);
    }

    [Fact]
    public async Task Feedback_UnknownModel_IsNotFound()
    {
        await ErrorAsync("no_such_model", """{"id": "x", "targets": {"y": [0]}}""", HttpStatusCode.NotFound, "Model 'no_such_model' is not in the repository.");
    }

    [Fact]
    public async Task Feedback_UnknownVersion_IsNotFound()
    {
        using var response = await _client.FeedbackAsync("errors", """{"id": "x", "targets": {"y": [0]}}""", version: "9");

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.NotFound, "Model 'errors' has no version 9 being served");
    }

    [Fact]
    public async Task Accuracy_UnknownModel_IsNotFound()
    {
        using var response = await _client.GetAsync("/v2/models/no_such_model/accuracy");

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.NotFound, "Model 'no_such_model' is not in the repository.");
    }

    [Fact]
    public async Task Accuracy_UnknownVersion_IsNotFound()
    {
        using var response = await _client.GetAsync("/v2/models/errors/versions/3/accuracy");

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.NotFound, "has no version 3");
    }
}
