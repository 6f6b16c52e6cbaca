using System.Net;
using System.Net.Http.Headers;
using System.Text;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Security;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Api.Tests.Security;

/// <summary>Every route group against every kind of caller: the key with its scope, a key without it, no key, a wrong key.</summary>
public sealed class ScopeEnforcementTests(KeyedServiceFixture service) : IClassFixture<KeyedServiceFixture>
{
    private const string IrisRow = """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""";
    private const string IrisInfer = """{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2] }] }""";

    private readonly HttpClient _client = service.Client;

    /// <summary>Each route group's routes, with the scope it needs and whether it answers in the Open Inference Protocol's form.</summary>
    public static TheoryData<string, string, string?, string> ScopedRoutes() => new()
    {
        { "POST", "/predict", IrisRow, Scopes.Infer },
        { "POST", "/predict/iris", IrisRow, Scopes.Infer },
        { "POST", "/v2/models/iris/infer", IrisInfer, Scopes.Infer },
        { "POST", "/v2/models/iris/versions/1/infer", IrisInfer, Scopes.Infer },
        { "GET", "/v2/models/iris", null, Scopes.Infer },
        { "GET", "/v2/models/iris/versions/2", null, Scopes.Infer },
        { "GET", "/v2", null, Scopes.Infer },
        { "POST", "/v2/models/iris/feedback", """{ "id": "no-such-prediction", "targets": { "label": ["setosa"] } }""", Scopes.Feedback },
        { "GET", "/v2/models/iris/accuracy", null, Scopes.Feedback },
        { "GET", "/v2/models/iris/versions/1/accuracy", null, Scopes.Feedback },
        { "POST", "/v2/repository/index", "", Scopes.Manage },
        { "GET", "/metrics", null, Scopes.Metrics },
        { "GET", "/v2/models/stats", null, Scopes.Metrics },
        { "GET", "/v2/models/iris/stats", null, Scopes.Metrics },
        { "GET", "/v2/models/iris/versions/1/stats", null, Scopes.Metrics },
    };

    public static TheoryData<string> OpenRoutes() => new() { "/health/live", "/health/ready", "/v2/health/live", "/v2/health/ready", "/v2/models/iris/ready", "/v2/models/iris/versions/1/ready" };

    private static HttpRequestMessage Request(string method, string path, string? body, Action<HttpRequestHeaders>? credentials = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        credentials?.Invoke(request.Headers);
        return request;
    }

    private static Action<HttpRequestHeaders> Bearer(string key) => headers => headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

    private static Action<HttpRequestHeaders> ApiKeyHeader(string key) => headers => headers.Add("X-API-Key", key);

    private static bool IsProtocol(string path) => path.StartsWith("/v2", StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(ScopedRoutes))]
    public async Task Route_KeyWithItsScope_PassesTheDoor(string method, string path, string? body, string scope)
    {
        foreach (var credentials in new[] { Bearer(TestKeys.Only(scope)), ApiKeyHeader(TestKeys.Only(scope)) })
        {
            using var response = await _client.SendAsync(Request(method, path, body, credentials));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests),
                $"{method} {path} with a '{scope}' key: {(int)response.StatusCode} {text}");
            Assert.True((int)response.StatusCode < 500, $"{method} {path}: {(int)response.StatusCode} {text}");
        }
    }

    [Theory]
    [MemberData(nameof(ScopedRoutes))]
    public async Task Route_KeyWithEveryOtherScope_Answers403NamingTheScope(string method, string path, string? body, string scope)
    {
        using var response = await _client.SendAsync(Request(method, path, body, Bearer(TestKeys.AllBut(scope))));
        var fragments = new[] { $"scope '{scope}'", $"'no-{scope}'" };
        var message = IsProtocol(path) && path != "/metrics"
            ? await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.Forbidden, fragments)
            : await ResponseAssert.ProblemAsync(response, HttpStatusCode.Forbidden, fragments);
        Assert.DoesNotContain(TestKeys.AllBut(scope), message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ScopedRoutes))]
    public async Task Route_NoKey_Answers401WithWwwAuthenticate(string method, string path, string? body, string scope)
    {
        using var response = await _client.SendAsync(Request(method, path, body));
        var fragments = new[] { $"scope '{scope}'", "Authorization: Bearer", "X-API-Key" };
        _ = IsProtocol(path)
            ? await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.Unauthorized, fragments)
            : await ResponseAssert.ProblemAsync(response, HttpStatusCode.Unauthorized, fragments);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("realm=", challenge.Parameter, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ScopedRoutes))]
    public async Task Route_UnknownKey_Answers401InvalidToken(string method, string path, string? body, string scope)
    {
        _ = scope;
        // A near miss: a configured key with its last character changed.
        var nearMiss = TestKeys.Only(Scopes.All[0])[..^1] + "0";
        using var response = await _client.SendAsync(Request(method, path, body, ApiKeyHeader(nearMiss)));
        _ = IsProtocol(path)
            ? await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.Unauthorized, "not known")
            : await ResponseAssert.ProblemAsync(response, HttpStatusCode.Unauthorized, "not known");
        Assert.Contains("invalid_token", Assert.Single(response.Headers.WwwAuthenticate).Parameter, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(OpenRoutes))]
    public async Task OpenRoute_NoKey_Answers(string path)
    {
        using var response = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Predict_AuthorizationWithAnotherScheme_Answers401()
    {
        using var response = await _client.SendAsync(Request("POST", "/predict", IrisRow, headers => headers.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz")));
        await ResponseAssert.ProblemAsync(response, HttpStatusCode.Unauthorized, "Bearer");
    }

    [Fact]
    public async Task Infer_RefusedForScope_BodyIsNotRead()
    {
        // Not JSON: were the body read, the answer would be 400.
        using var response = await _client.SendAsync(Request("POST", "/v2/models/iris/infer", "not json", Bearer(TestKeys.AllBut(Scopes.Infer))));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var anonymous = await _client.SendAsync(Request("POST", "/v2/models/iris/infer", "not json"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Theory]
    [InlineData("application/grpc", Scopes.Infer, null, 16)]
    [InlineData("application/grpc+proto", Scopes.Infer, "no-infer", 7)]
    public async Task GrpcRequest_Refused_AnswersGrpcStatusInTrailersOnlyForm(string contentType, string scope, string? keyId, int grpcStatus)
    {
        _ = scope;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/models/iris/infer") { Content = new ByteArrayContent([0, 0, 0, 0, 0]) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (keyId is not null)
        {
            request.Headers.Add("X-API-Key", TestKeys.AllBut(Scopes.Infer));
        }
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(grpcStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(response.Headers.GetValues("grpc-status")));
        var message = Uri.UnescapeDataString(Assert.Single(response.Headers.GetValues("grpc-message")));
        Assert.Contains("infer", message, StringComparison.Ordinal);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>A route added without a scope would be open to everyone: only the probes may be.</summary>
    [Fact]
    public void EveryEndpoint_DeclaresAScope_OrIsAProbe()
    {
        string[] open =
        [
            "/health/live", "/health/ready", "/v2/health/live", "/v2/health/ready", "/v2/models/{model}/ready", "/v2/models/{model}/versions/{version}/ready",
            // The same probes over gRPC, Kubernetes' gRPC probe (grpc.health.v1), and the schema grpcurl reads.
            "/inference.GRPCInferenceService/ServerLive", "/inference.GRPCInferenceService/ServerReady", "/inference.GRPCInferenceService/ModelReady",
            "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch", "/grpc.health.v1.Health/List",
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            // gRPC's answer for a method that does not exist (Unimplemented): nothing behind it.
            "/{unimplementedService}/{unimplementedMethod:grpcunimplemented}", "/inference.GRPCInferenceService/{unimplementedMethod:grpcunimplemented}",
            "/grpc.health.v1.Health/{unimplementedMethod:grpcunimplemented}", "/grpc.reflection.v1alpha.ServerReflection/{unimplementedMethod:grpcunimplemented}",
            "/grpc.reflection.v1.ServerReflection/{unimplementedMethod:grpcunimplemented}",
        ];
        var endpoints = service.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToArray();
        Assert.NotEmpty(endpoints);
        var unscoped = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var pattern = "/" + endpoint.RoutePattern.RawText?.Trim('/');
            var scope = endpoint.Metadata.GetMetadata<RequiredScopeAttribute>()?.Scope;
            if (scope is null)
            {
                if (!open.Contains(pattern))
                {
                    unscoped.Add(pattern);
                }
            }
            else
            {
                Assert.Contains(scope, Scopes.All);
                Assert.DoesNotContain(pattern, open);
            }
        }
        Assert.True(unscoped.Count == 0, $"Routes without a scope that are not probes: {string.Join(", ", unscoped)}");
    }
}
