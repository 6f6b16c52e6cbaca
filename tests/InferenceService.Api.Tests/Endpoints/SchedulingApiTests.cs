using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>A model with a batch limit of 4 and a queue of 2, with Runs the tests can hold.</summary>
public sealed class SchedulingFixture : ServiceFixture
{
    public RunGate Gate { get; } = new();

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository
        .AddModel("ident", "identity_float.onnx")
        .WithConfig("ident", """
            { "max_batch_size": 4, "dynamic_batching": { "default_queue_policy": {
                "max_queue_size": 2, "default_timeout_microseconds": 20000000, "allow_timeout_override": true } } }
            """);

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IBatchObserver>(Gate);
}

/// <summary>What clients see of the scheduler: 503 when the queue is full, 504 when they waited too long, 400 for too large a batch.</summary>
public sealed class SchedulingApiTests(SchedulingFixture service) : IClassFixture<SchedulingFixture>, IDisposable
{
    private readonly HttpClient _client = service.Client;

    public void Dispose() => service.Gate.Open();

    private static string Infer(int rows, string parameters = "") =>
        $$"""{ {{parameters}} "inputs": [{ "name": "x", "datatype": "FP32", "shape": [{{rows}}, 3], "data": [{{string.Join(", ", Enumerable.Range(0, rows * 3))}}] }] }""";

    /// <summary>Sends a full batch and waits until its Run is held, so the one instance is busy.</summary>
    private async Task<Task<HttpResponseMessage>> OccupyAsync()
    {
        service.Gate.Close();
        var busy = _client.PostJsonTextAsync("/v2/models/ident/infer", Infer(4));
        await service.Gate.WaitUntilHeldAsync();
        return busy;
    }

    private async Task WaitForQueueDepthAsync(int depth)
    {
        var model = service.Factory.Services.GetRequiredService<ModelRegistry>().Resolve("ident", null);
        for (var i = 0; i < 500 && model.QueueDepth != depth; i++)
        {
            await Task.Delay(20);
        }
        Assert.Equal(depth, model.QueueDepth);
    }

    [Fact]
    public async Task Infer_QueueFull_Answers503AtOnceWithRetryAfterAndTheModelsName()
    {
        var busy = await OccupyAsync();
        var queued = new[] { _client.PostJsonTextAsync("/v2/models/ident/infer", Infer(1)), _client.PostJsonTextAsync("/v2/models/ident/infer", Infer(1)) };
        await WaitForQueueDepthAsync(2);

        using var rejected = await _client.PostJsonTextAsync("/v2/models/ident/infer", Infer(1));
        // Refused before the body is read: shedding load must not cost a decode (a body that is not even JSON).
        using var rejectedUnread = await _client.PostJsonTextAsync("/v2/models/ident/infer", "not json");
        using var rejectedPredict = await _client.PostJsonTextAsync("/predict", """{ "model": "ident", "inputs": { "x": [[1, 2, 3]] } }""");

        await ResponseAssert.ProtocolErrorAsync(rejected, HttpStatusCode.ServiceUnavailable, "Model 'ident' version 1 has 2 requests queued, its limit; retry later.");
        Assert.Equal("1", Assert.Single(rejected.Headers.GetValues("Retry-After")));
        await ResponseAssert.ProtocolErrorAsync(rejectedUnread, HttpStatusCode.ServiceUnavailable, "has 2 requests queued");
        await ResponseAssert.ProblemAsync(rejectedPredict, HttpStatusCode.ServiceUnavailable, "Model 'ident' version 1 has 2 requests queued");
        service.Gate.Open();
        using var first = await busy;
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        foreach (var response in await Task.WhenAll(queued))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }
    }

    [Fact]
    public async Task PredictNamingTheModelBeforeTheBody_QueueFull_Answers503WithoutReadingTheBody()
    {
        var busy = await OccupyAsync();
        var queued = new[] { _client.PostJsonTextAsync("/predict/ident", """{ "inputs": { "x": [[1, 2, 3]] } }"""), _client.PostJsonTextAsync("/v2/models/ident/infer", Infer(1)) };
        await WaitForQueueDepthAsync(2);

        // Bodies that are not even JSON: had they been read, the answers would be 400.
        using var byPath = await _client.PostJsonTextAsync("/predict/ident", "not json");
        using var byHeaderRequest = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = new StringContent("not json") };
        byHeaderRequest.Headers.Add("X-Model", "ident");
        using var byHeader = await _client.SendAsync(byHeaderRequest);

        await ResponseAssert.ProblemAsync(byPath, HttpStatusCode.ServiceUnavailable, "Model 'ident' version 1 has 2 requests queued, its limit; retry later.");
        await ResponseAssert.ProblemAsync(byHeader, HttpStatusCode.ServiceUnavailable, "Model 'ident' version 1 has 2 requests queued");
        Assert.Equal("1", Assert.Single(byPath.Headers.GetValues("Retry-After")));
        // Refused at the door, never logged one by one, but counted under the model and version.
        var scrape = await PrometheusAssert.ScrapeWhenAsync(_client, s =>
            s.Sum("inference_requests_total", ("model", "ident"), ("version", "1"), ("outcome", "rejected")) >= 2);
        Assert.True(scrape.Value("inference_requests_total", ("model", "ident"), ("version", "1"), ("outcome", "rejected")) >= 2);
        service.Gate.Open();
        (await busy).Dispose();
        foreach (var response in await Task.WhenAll(queued))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }
    }

    [Fact]
    public async Task Infer_RequestTimeoutPassesInTheQueue_Answers504()
    {
        var busy = await OccupyAsync();

        using var late = await _client.PostJsonTextAsync("/v2/models/ident/infer", Infer(1, """ "parameters": { "timeout": 50000 }, """));

        await ResponseAssert.ProtocolErrorAsync(late, HttpStatusCode.GatewayTimeout, "The request waited 50 ms in the queue of model 'ident' version 1, its timeout, and was not run.");
        service.Gate.Open();
        (await busy).Dispose();
    }

    [Theory]
    [InlineData("\"soon\"")]
    [InlineData("-1")]
    [InlineData("1.5")]
    public async Task Infer_TimeoutParameterNotMicroseconds_Answers400(string timeout)
    {
        using var response = await _client.PostJsonTextAsync("/v2/models/ident/infer", Infer(1, $$""" "parameters": { "timeout": {{timeout}} }, """));

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "parameters.timeout must be a whole number of microseconds, 0 or more.");
    }

    [Fact]
    public async Task Infer_BatchLargerThanMaxBatchSize_Answers400()
    {
        using var response = await _client.PostJsonTextAsync("/v2/models/ident/infer", Infer(5));

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "The request holds a batch of 5 rows, more than model 'ident' takes at once (max_batch_size 4); split it.");
    }

    [Fact]
    public async Task Stats_AfterRequests_CountsThemWithQueueAndComputeTimes()
    {
        for (var i = 0; i < 3; i++)
        {
            using var ok = await _client.PostJsonTextAsync("/v2/models/ident/infer", Infer(2));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var response = await _client.GetAsync("/v2/models/ident/versions/1/stats");
        var stats = (await ResponseAssert.JsonAsync(response, HttpStatusCode.OK)).GetProperty("model_stats")[0];

        Assert.Equal("ident", stats.GetProperty("name").GetString());
        Assert.Equal("1", stats.GetProperty("version").GetString());
        var inference = stats.GetProperty("inference_stats");
        var succeeded = inference.GetProperty("success").GetProperty("count").GetInt64();
        Assert.True(succeeded >= 3);
        Assert.Equal(succeeded, inference.GetProperty("queue").GetProperty("count").GetInt64());
        Assert.True(inference.GetProperty("compute_infer").GetProperty("ns").GetInt64() > 0);
        Assert.True(stats.GetProperty("inference_count").GetInt64() >= 6);
        Assert.Contains(stats.GetProperty("batch_stats").EnumerateArray(), b => b.GetProperty("batch_size").GetInt32() == 2);
    }

    [Fact]
    public async Task Stats_UnknownModel_Answers404()
    {
        using var response = await _client.GetAsync("/v2/models/nope/stats");

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.NotFound, "Model 'nope' is not in the repository.");
    }
}
