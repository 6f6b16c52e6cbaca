using System.Net;
using System.Text;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>
/// <c>POST /predict/{model}</c> and the <c>X-Model</c> header: the simple API with the model named before the body,
/// so that the door can refuse a request before reading it.
/// </summary>
public class PredictModelRouteTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    private const string Rows = """{ "inputs": { "input": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] } }""";

    private readonly HttpClient _client = service.Client;

    [Theory]
    [InlineData("/predict/iris", Rows)]
    [InlineData("/predict/iris", """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] } }""")]
    public async Task PredictModel_ModelInThePath_AnswersAsPredict(string path, string body)
    {
        var answer = await ResponseAssert.JsonAsync(await _client.PostJsonTextAsync(path, body), HttpStatusCode.OK);

        Assert.Equal("iris", answer.GetProperty("model").GetString());
        Assert.Equal("2", answer.GetProperty("version").GetString());
        JsonCompare.Equal("""["setosa", "virginica"]""", answer.GetProperty("labels").GetProperty("label"));
    }

    [Fact]
    public async Task Predict_ModelInTheHeader_AnswersForThatModel()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = new StringContent(Rows, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Model", "iris");

        var answer = await ResponseAssert.JsonAsync(await _client.SendAsync(request), HttpStatusCode.OK);

        Assert.Equal("iris", answer.GetProperty("model").GetString());
    }

    [Fact]
    public async Task PredictModel_BodyNamesAnotherModel_Answers400()
    {
        using var response = await _client.PostJsonTextAsync("/predict/iris", """{ "model": "digits", "inputs": { "input": [[1, 2, 3, 4]] } }""");

        await ResponseAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "The body names model 'digits', but the request is for model 'iris'");
    }

    [Fact]
    public async Task PredictModel_VersionInTheBody_RunsThatVersion()
    {
        var answer = await ResponseAssert.JsonAsync(
            await _client.PostJsonTextAsync("/predict/iris", """{ "version": "1", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }"""), HttpStatusCode.OK);

        Assert.Equal("1", answer.GetProperty("version").GetString());
    }

    [Fact]
    public async Task PredictModel_UnknownModel_Answers404Problem()
    {
        await ResponseAssert.ProblemAsync(await _client.PostJsonTextAsync("/predict/nope", Rows), HttpStatusCode.NotFound, "Model 'nope' is not in the repository.");
    }

    [Fact]
    public async Task OpenApiDocument_ListsThePredictModelRoute()
    {
        var document = await ResponseAssert.JsonAsync(await _client.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);

        var post = document.GetProperty("paths").GetProperty("/predict/{model}").GetProperty("post");
        Assert.Equal("PredictModel", post.GetProperty("operationId").GetString());
        Assert.True(post.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.Contains(post.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "model" && p.GetProperty("in").GetString() == "path");
        Assert.True(post.GetProperty("responses").TryGetProperty("503", out _));
    }
}
