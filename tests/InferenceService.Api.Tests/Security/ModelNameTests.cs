using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Security;

/// <summary>A model name a client gives that could leave the repository is a 400 wherever it is given.</summary>
public sealed class ModelNameTests(OpenServiceFixture service) : IClassFixture<OpenServiceFixture>
{
    private readonly HttpClient _client = service.Client;

    /// <summary>Path segments as sent (escaped as the client sends them: the server sees them decoded, %2F aside).</summary>
    public static TheoryData<string> BadSegments() => new()
    {
        "..%2F..%2Fetc%2Fpasswd", "..%5C..%5Cwindows", "%2e%2e%2f", "C:%5Cmodels", "a%01b", "a%20b", "mod%D0%B5l", "%EF%BC%8E%EF%BC%8E", "http:%2F%2Fexample",
    };

    [Theory]
    [MemberData(nameof(BadSegments))]
    public async Task V2Routes_BadModelName_Answer400(string segment)
    {
        using var ready = await _client.GetAsync($"/v2/models/{segment}/ready");
        await ResponseAssert.ProtocolErrorAsync(ready, HttpStatusCode.BadRequest, "model name in the path is not valid");
        using var metadata = await _client.GetAsync($"/v2/models/{segment}");
        await ResponseAssert.ProtocolErrorAsync(metadata, HttpStatusCode.BadRequest, "model name in the path is not valid");
        using var infer = await _client.PostJsonTextAsync($"/v2/models/{segment}/infer", "not even json");
        await ResponseAssert.ProtocolErrorAsync(infer, HttpStatusCode.BadRequest, "model name in the path is not valid");
        using var feedback = await _client.PostJsonTextAsync($"/v2/models/{segment}/versions/1/feedback", "{}");
        await ResponseAssert.ProtocolErrorAsync(feedback, HttpStatusCode.BadRequest, "model name in the path is not valid");
    }

    [Theory]
    [MemberData(nameof(BadSegments))]
    public async Task PredictRoute_BadModelName_Answers400(string segment)
    {
        using var response = await _client.PostJsonTextAsync($"/predict/{segment}", "{}");
        await ResponseAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "model name in the path is not valid");
    }

    [Theory]
    [InlineData("../iris")]
    [InlineData("iris/../../etc")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    public async Task Predict_BadModelNameInHeaderOrBody_Answers400(string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict")
        {
            Content = new StringContent("""{ "inputs": { "input": [[1, 2, 3, 4]] } }""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Model", name);
        using var header = await _client.SendAsync(request);
        await ResponseAssert.ProblemAsync(header, HttpStatusCode.BadRequest, "X-Model header is not valid");

        using var body = await _client.PostJsonTextAsync("/predict", $$"""{ "model": {{System.Text.Json.JsonSerializer.Serialize(name)}}, "inputs": { "input": [[1, 2, 3, 4]] } }""");
        await ResponseAssert.ProblemAsync(body, HttpStatusCode.BadRequest, "\"model\" is not a valid model name");
    }

    [Fact]
    public async Task V2Routes_UnknownButValidName_StillAnswer404()
    {
        using var response = await _client.GetAsync("/v2/models/no_such_model");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
