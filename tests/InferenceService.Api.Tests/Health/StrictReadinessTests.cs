using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Engine.Serving;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace InferenceService.Api.Tests.Health;

/// <summary>
/// Readiness while a model is still loading: one model's load is held open at a gate while another serves, then
/// released. Under strict readiness (the default) the server is not ready until every model is; without it, ready
/// once loading has finished.
/// </summary>
public sealed class StrictReadinessTests : IDisposable
{
    private const string HeldModel = "held";
    private const string ServingModel = "serving";

    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder()
        .AddModel(HeldModel, "two_inputs_two_outputs.onnx")
        .AddModel(ServingModel, "fixed_shape.onnx");

    private GatedModelLoader? _loader;

    public void Dispose() => _repository.Dispose();

    private InferenceServiceFactory CreateFactory(bool? strict)
    {
        var settings = new Dictionary<string, string?> { ["ModelRepository:LoadConcurrency"] = "4" };
        if (strict is { } value)
        {
            settings["ModelRepository:StrictReadiness"] = value ? "true" : "false";
        }
        return new InferenceServiceFactory(_repository.Root, settings, services =>
        {
            services.RemoveAll<ModelLoader>();
            services.AddSingleton<ModelLoader>(provider =>
                _loader = new GatedModelLoader(HeldModel, provider.GetRequiredService<ILogger<ModelLoader>>()));
        });
    }

    /// <summary>Starts the server and waits until the held load is at the gate and the other model serves.</summary>
    private async Task<HttpClient> StartWithHeldLoadAsync(InferenceServiceFactory factory)
    {
        var client = factory.CreateClient();
        await ServiceReadiness.WaitForStatusAsync(client, "/v2/models/serving/ready", HttpStatusCode.OK);
        Assert.NotNull(_loader);
        await _loader.HeldLoadStarted.WaitAsync(TimeSpan.FromSeconds(60));
        return client;
    }

    private static async Task AssertServingModelServesAsync(HttpClient client)
    {
        var body = await ResponseAssert.JsonAsync(
            await client.PostJsonTextAsync("/predict", """{ "model": "serving", "inputs": { "x": [[1, 2, 3], [4, 5, 6]] } }"""),
            HttpStatusCode.OK);
        JsonCompare.Equal("""{ "y": [[2, 3, 4], [5, 6, 7]] }""", body.GetProperty("outputs"));
    }

    [Fact]
    public async Task Readiness_ModelStillLoading_IsNotReadyUntilItLoadsThenReady()
    {
        await using var factory = CreateFactory(strict: null);
        try
        {
            using var client = await StartWithHeldLoadAsync(factory);
            // Not ready, in both forms; alive in both forms.
            using (var ready = await client.GetAsync("/v2/health/ready"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            }
            var health = await ReadStatusAsync(client, "/health/ready", HttpStatusCode.ServiceUnavailable);
            Assert.Equal("not ready", health.GetProperty("status").GetString());
            var states = health.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("state").GetString());
            Assert.Equal("LOADING", states[HeldModel]);
            Assert.Equal("READY", states[ServingModel]);
            using (var live = await client.GetAsync("/v2/health/live"))
            {
                Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            }
            JsonCompare.Equal("""{ "status": "live" }""", await ReadStatusAsync(client, "/health/live", HttpStatusCode.OK));

            // The held model answers 503 with Retry-After; the other one serves.
            var infer = await client.PostJsonTextAsync("/v2/models/held/infer", """
                { "inputs": [{ "name": "a", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4] }, { "name": "b", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4] }] }
                """);
            Assert.Equal("1", Assert.Single(infer.Headers.GetValues("Retry-After")));
            await ResponseAssert.ProtocolErrorAsync(infer, HttpStatusCode.ServiceUnavailable, "Model 'held' has no ready version", "loading");
            var predict = await client.PostJsonTextAsync("/predict", """{ "model": "held", "inputs": { "a": [[1, 2, 3, 4]], "b": [[1, 2, 3, 4]] } }""");
            Assert.Equal("1", Assert.Single(predict.Headers.GetValues("Retry-After")));
            await ResponseAssert.ProblemAsync(predict, HttpStatusCode.ServiceUnavailable, "Model 'held' has no ready version");
            var heldReady = await ReadStatusAsync(client, "/v2/models/held/ready", HttpStatusCode.ServiceUnavailable);
            JsonCompare.Equal("""{ "name": "held", "ready": false }""", heldReady);
            await ReadStatusAsync(client, "/v2/models/held/versions/1/ready", HttpStatusCode.ServiceUnavailable);
            await AssertServingModelServesAsync(client);

            _loader!.Release();

            await ServiceReadiness.WaitUntilReadyAsync(client);
            var healthAfter = await ReadStatusAsync(client, "/health/ready", HttpStatusCode.OK);
            Assert.Equal("ready", healthAfter.GetProperty("status").GetString());
            Assert.All(healthAfter.GetProperty("models").EnumerateArray(), m => Assert.Equal("READY", m.GetProperty("state").GetString()));
            JsonCompare.Equal("""{ "name": "held", "ready": true }""", await ReadStatusAsync(client, "/v2/models/held/ready", HttpStatusCode.OK));
            var sum = await ResponseAssert.JsonAsync(
                await client.PostJsonTextAsync("/predict", """{ "model": "held", "outputs": ["sum"], "inputs": { "a": [[1, 2, 3, 4]], "b": [[1, 2, 3, 4]] } }"""),
                HttpStatusCode.OK);
            JsonCompare.Equal("""{ "sum": [[2, 4, 6, 8]] }""", sum.GetProperty("outputs"));
        }
        finally
        {
            // Never leave a load held open, even when an assertion fails: the host waits for it when it stops.
            _loader?.Release();
        }
    }

    [Fact]
    public async Task Readiness_NotStrictModelStillLoading_IsNotReadyUntilLoadingFinishes()
    {
        await using var factory = CreateFactory(strict: false);
        try
        {
            using var client = await StartWithHeldLoadAsync(factory);
            // Loading has not finished, so even without strict readiness the server is not ready yet.
            await ReadStatusAsync(client, "/health/ready", HttpStatusCode.ServiceUnavailable);
            using (var ready = await client.GetAsync("/v2/health/ready"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            }
            await AssertServingModelServesAsync(client);

            _loader!.Release();

            await ServiceReadiness.WaitUntilReadyAsync(client);
            Assert.Equal("ready", (await ReadStatusAsync(client, "/health/ready", HttpStatusCode.OK)).GetProperty("status").GetString());
        }
        finally
        {
            // Never leave a load held open, even when an assertion fails: the host waits for it when it stops.
            _loader?.Release();
        }
    }

    private static async Task<System.Text.Json.JsonElement> ReadStatusAsync(HttpClient client, string path, HttpStatusCode expected) =>
        await ResponseAssert.JsonAsync(await client.GetAsync(path), expected);
}

