using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Engine.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>A server that admits one request at a time (<c>Scheduling:MaxInFlightRequests</c> 1), with Runs the tests can hold.</summary>
public sealed class OneInFlightFixture : ServiceFixture
{
    public RunGate Gate { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Scheduling:MaxInFlightRequests"] = "1",
    };

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository
        .AddModel("ident", "identity_float.onnx")
        .WithConfig("ident", """{ "max_batch_size": 4, "dynamic_batching": {} }""");

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IBatchObserver>(Gate);
}

/// <summary>
/// The server-wide limit of requests in flight: past it both APIs answer 503 before reading the body, so refusing
/// costs next to nothing whatever the body holds; below it again, requests are served.
/// </summary>
public sealed class ServerLimitApiTests(OneInFlightFixture service) : IClassFixture<OneInFlightFixture>, IDisposable
{
    private const string Limit = "The server has 1 requests in flight, its limit; retry later.";
    private const string Predict = """{ "model": "ident", "inputs": { "x": [[1, 2, 3]] } }""";
    private readonly HttpClient _client = service.Client;

    public void Dispose() => service.Gate.Open();

    [Fact]
    public async Task BothApis_ServerAtItsLimit_Answer503WithoutReadingTheBody()
    {
        service.Gate.Close();
        var busy = _client.PostJsonTextAsync("/predict", Predict);
        await service.Gate.WaitUntilHeldAsync();

        // Bodies that are not even JSON: had they been read, the answer would be 400.
        using var predict = await _client.PostJsonTextAsync("/predict", "not json");
        using var infer = await _client.PostJsonTextAsync("/v2/models/ident/infer", "not json");

        await ResponseAssert.ProblemAsync(predict, HttpStatusCode.ServiceUnavailable, Limit);
        await ResponseAssert.ProtocolErrorAsync(infer, HttpStatusCode.ServiceUnavailable, Limit);
        Assert.Equal("1", Assert.Single(predict.Headers.GetValues("Retry-After")));
        service.Gate.Open();
        using (var first = await busy)
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }
        using var next = await _client.PostJsonTextAsync("/predict", Predict);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }
}
