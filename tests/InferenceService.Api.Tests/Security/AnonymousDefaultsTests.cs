using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Security;

namespace InferenceService.Api.Tests.Security;

/// <summary>With no key configured: everything but management works with no set-up; management answers 403 naming its scope.</summary>
public sealed class AnonymousDefaultsTests(OpenServiceFixture service) : IClassFixture<OpenServiceFixture>
{
    private readonly HttpClient _client = service.Client;

    [Theory]
    [InlineData("/v2/models/iris")]
    [InlineData("/v2/models/iris/accuracy")]
    [InlineData("/metrics")]
    [InlineData("/v2/models/stats")]
    public async Task NoKeyConfigured_AnonymousCaller_HasEveryScopeButManage(string path)
    {
        using var response = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task NoKeyConfigured_Predict_Works()
    {
        using var response = await _client.PostJsonTextAsync("/predict", """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task NoKeyConfigured_RepositoryIndex_Answers403NamingManage()
    {
        using var response = await _client.PostAsync("/v2/repository/index", null);
        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.Forbidden, $"scope '{Scopes.Manage}'", "AnonymousLoopbackManagement");
    }

    [Fact]
    public async Task NoKeyConfigured_PresentedCredentials_AreIgnored()
    {
        // A gateway's own token in front of the service is not ours to judge when we have no keys.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/models/iris");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "a-gateway-token");
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>Anonymous loopback management, asked for: a caller on 127.0.0.1 may manage.</summary>
public sealed class LoopbackManagementTests(LoopbackManagementFixture service) : IClassFixture<LoopbackManagementFixture>
{
    [Fact]
    public async Task AnonymousLoopbackManagement_CallerOnLoopback_MayManage()
    {
        using var response = await service.Client.PostAsync("/v2/repository/index", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>Once keys are configured, anonymous callers have exactly <c>AnonymousScopes</c>.</summary>
public sealed class AnonymousScopesTests(AnonymousMetricsFixture service) : IClassFixture<AnonymousMetricsFixture>
{
    [Fact]
    public async Task KeysConfigured_AnonymousScopesMetrics_AnonymousMayScrape()
    {
        using var response = await service.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task KeysConfigured_AnonymousScopesMetrics_AnonymousInferAnswers401()
    {
        using var response = await service.Client.GetAsync("/v2/models/iris");
        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.Unauthorized, "scope 'infer'");
    }

    [Fact]
    public async Task KeysConfigured_NoAnonymousLoopbackManagement_KeyWithManageMayManage()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/repository/index");
        request.Headers.Add("X-API-Key", TestKeys.Only(Scopes.Manage));
        using var response = await service.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
