using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Api.Tests.Health;

/// <summary>
/// The answers while the server drains (SIGTERM's drain begun, its delay not over): readiness 503 in both forms,
/// liveness 200, inference refused with 503 and Retry-After, and every answer closing its connection. The delay is
/// long, so the host does not stop during the test (the real signal is tested in Hosting/GracefulShutdownTests).
/// </summary>
public sealed class DrainingHealthTests : IDisposable
{
    private const string IrisRequest = """{ "inputs": [{ "name": "input", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2] }] }""";

    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddSampleModel("iris");
    private readonly InferenceServiceFactory _factory;
    private readonly HttpClient _client;

    public DrainingHealthTests()
    {
        _factory = new InferenceServiceFactory(_repository.Root, new Dictionary<string, string?> { ["Server:DrainDelaySeconds"] = "600" });
        _client = _factory.CreateClient();
    }

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
        _repository.Dispose();
    }

    [Fact]
    public async Task Serving_BeforeTheDrain_AnswersKeepTheirConnection()
    {
        await ServiceReadiness.WaitForStatusAsync(_client, "/v2/health/ready", HttpStatusCode.OK);

        using var ready = await _client.GetAsync("/health/ready");
        using var infer = await _client.PostJsonTextAsync("/v2/models/iris/infer", IrisRequest);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, infer.StatusCode);
        Assert.NotEqual(true, ready.Headers.ConnectionClose);
        Assert.NotEqual(true, infer.Headers.ConnectionClose);
    }

    [Theory]
    [InlineData("/health/ready")]
    [InlineData("/v2/health/ready")]
    public async Task GetReady_WhileDraining_Returns503(string path)
    {
        await StartDrainAsync();

        using var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.ConnectionClose);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/v2/health/live")]
    public async Task GetLive_WhileDraining_Returns200AndClosesTheConnection(string path)
    {
        await StartDrainAsync();

        using var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.ConnectionClose);
    }

    [Theory]
    [InlineData("/v2/models/iris/infer", IrisRequest)]
    [InlineData("/predict", """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""")]
    public async Task Infer_WhileDraining_Returns503WithRetryAfterAndClosesTheConnection(string path, string body)
    {
        await StartDrainAsync();

        using var response = await _client.PostJsonTextAsync(path, body);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.True(response.Headers.ConnectionClose);
        Assert.Contains("shutting down", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task StartDrainAsync()
    {
        await ServiceReadiness.WaitForStatusAsync(_client, "/v2/health/ready", HttpStatusCode.OK);
        _factory.Services.GetRequiredService<GracefulShutdown>().BeginDrain();
    }
}
