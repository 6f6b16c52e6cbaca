using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>
/// The prediction id in the X-Prediction-Id header, through Kestrel, which (unlike the in-memory test server) refuses
/// header values that are not printable ASCII: an id is the client's text, so it may hold anything.
/// </summary>
public class PredictionIdHeaderTests(KestrelIrisFixture service) : IClassFixture<KestrelIrisFixture>
{
    private readonly HttpClient _client = service.Client;

    public static TheoryData<string, string> Ids => new()
    {
        { "plain-ascii_42", "plain-ascii_42" },
        { "with space", "with space" },
        { "täst-1", "t%C3%A4st-1" },
        { "日本", "%E6%97%A5%E6%9C%AC" },
        { "line\nbreak", "line%0Abreak" },
        { "tab\there", "tab%09here" },
    };

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Predict_AnyId_IsEchoedInTheBodyAndCarriedInTheHeader(string id, string header)
    {
        var request = System.Text.Json.JsonSerializer.Serialize(new { model = "iris", id, inputs = new { input = new[] { new[] { 5.1, 3.5, 1.4, 0.2 } } } });

        using var response = await _client.PostJsonTextAsync("/predict", request);
        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);

        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Equal(header, Assert.Single(response.Headers.GetValues("X-Prediction-Id")));
        Assert.Equal(id, Uri.UnescapeDataString(header));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Infer_AnyId_IsEchoedInTheBodyAndCarriedInTheHeader(string id, string header)
    {
        var request = System.Text.Json.JsonSerializer.Serialize(new
        {
            id,
            inputs = new[] { new { name = "input", datatype = "FP32", shape = new[] { 1, 4 }, data = new[] { 5.1, 3.5, 1.4, 0.2 } } },
        });

        using var response = await _client.PostJsonTextAsync("/v2/models/iris/infer", request);
        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);

        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Equal(header, Assert.Single(response.Headers.GetValues("X-Prediction-Id")));
    }
}
