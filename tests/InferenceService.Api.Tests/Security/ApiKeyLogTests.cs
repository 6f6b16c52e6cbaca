using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Security;

namespace InferenceService.Api.Tests.Security;

/// <summary>The request log names the key by its id; no log line ever holds a key, accepted or refused.</summary>
public sealed class ApiKeyLogTests(KeyedServiceFixture service) : IClassFixture<KeyedServiceFixture>
{
    [Fact]
    public async Task Request_WithKey_RequestLogCarriesTheKeyIdAndNeverTheKey()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict/iris")
        {
            Content = new StringContent("""{ "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-API-Key", TestKeys.Only(Scopes.Infer));
        using var response = await service.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var events = await service.Logs.RequestEventsAsync(e => LogCapture.Scalar(e, "Route") as string == "/predict/{model}");
        Assert.Equal(Scopes.Infer, LogCapture.Scalar(Assert.Single(events), "KeyId"));
        AssertNoKeyLogged();
    }

    [Fact]
    public async Task Request_WithRefusedOrUnknownKeys_NoLogHoldsAKey()
    {
        var wrong = "a-wrong-key-that-must-not-be-logged-42";
        foreach (var key in new[] { wrong, TestKeys.AllBut(Scopes.Metrics) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            using var response = await service.Client.SendAsync(request);
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);
        }
        AssertNoKeyLogged(wrong);
    }

    private void AssertNoKeyLogged(params string[] more)
    {
        var lines = service.Logs.AsJsonLines();
        foreach (var scope in Scopes.All)
        {
            Assert.DoesNotContain(TestKeys.Only(scope), lines, StringComparison.Ordinal);
            Assert.DoesNotContain(TestKeys.AllBut(scope), lines, StringComparison.Ordinal);
            Assert.DoesNotContain(ApiKeys.HashOf(TestKeys.Only(scope)), lines, StringComparison.OrdinalIgnoreCase);
        }
        foreach (var key in more)
        {
            Assert.DoesNotContain(key, lines, StringComparison.Ordinal);
        }
    }
}
