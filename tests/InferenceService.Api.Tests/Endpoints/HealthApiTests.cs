using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>Liveness and readiness in both forms: the protocol's /v2/health/* and the Kubernetes-style /health/*.</summary>
public class HealthApiTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    private readonly HttpClient _client = service.Client;

    [Theory]
    [InlineData("/v2/health/live")]
    [InlineData("/v2/health/ready")]
    public async Task GetV2Health_EveryModelReady_Returns200WithEmptyBody(string path)
    {
        using var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GetHealthLive_Always_Returns200Live()
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync("/health/live"), HttpStatusCode.OK);

        JsonCompare.Equal("""{ "status": "live" }""", body);
    }

    [Fact]
    public async Task GetHealthReady_EveryModelReady_Returns200WithEachVersionsState()
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync("/health/ready"), HttpStatusCode.OK);

        Assert.Equal("ready", body.GetProperty("status").GetString());
        var models = body.GetProperty("models").EnumerateArray().Select(m => $"{m.GetProperty("name").GetString()}:{m.GetProperty("version").GetString()}:{m.GetProperty("state").GetString()}");
        Assert.Equal(
            [
                "fixed_shape:1:READY", "identity_bool:1:READY", "identity_float16:1:READY", "identity_int32:1:READY", "identity_string:1:READY",
                "identity_uint8:1:READY", "iris:2:READY", "iris:1:READY", "two_inputs_two_outputs:1:READY",
            ],
            models);
    }
}
