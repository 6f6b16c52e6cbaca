using System.Net;
using InferenceService.Api.Tests.TestSupport;
using static InferenceService.Api.Tests.TestSupport.LifecycleRequests;

namespace InferenceService.Api.Tests.Lifecycle;

/// <summary>On-demand loading within a model limit, against the real process: what is evicted, and what never is.</summary>
public sealed class OnDemandLoadingTests : IDisposable
{
    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder()
        .AddModel("a", "identity_float.onnx")
        .AddModel("b", "identity_float.onnx")
        .AddModel("c", "identity_float.onnx")
        .AddModel("spin", "spin.onnx");

    public void Dispose() => _repository.Dispose();

    private ServiceProcess Start(int maxLoaded) => ServiceProcess.Start(new Dictionary<string, string>
    {
        ["ModelRepository__Path"] = _repository.Root,
        ["ModelRepository__ControlMode"] = "explicit",
        ["ModelRepository__MaxLoadedModels"] = maxLoaded.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    [Fact]
    public async Task Infer_ModelNotLoadedOverTheLimit_LoadsItAndEvictsTheLeastRecentlyUsed()
    {
        await using var service = Start(maxLoaded: 2);
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient(TimeSpan.FromSeconds(30));

        foreach (var model in new[] { "a", "b", "a", "c" })
        {
            var answer = await InferIdentityAsync(client, model, 1);
            Assert.True(answer.Whole, $"{model}: {(int)answer.Status} {answer.Body}");
        }

        Assert.Equal("UNAVAILABLE", await StateAsync(client, "b", "1"));
        Assert.Equal("READY", await StateAsync(client, "a", "1"));
        Assert.Equal("READY", await StateAsync(client, "c", "1"));
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("inference_model_evictions", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_ModelNamedOnlyInTheBody_IsLoadedOnDemand()
    {
        await using var service = Start(maxLoaded: 1);
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient(TimeSpan.FromSeconds(30));
        Assert.Equal("UNAVAILABLE", await StateAsync(client, "b", "1"));

        using var response = await client.PostJsonTextAsync("/predict", """{ "model": "b", "inputs": { "x": [[1, 2, 3]] } }""");

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        Assert.Contains("[1,2,3]", body.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal("READY", await StateAsync(client, "b", "1"));
    }

    [Fact]
    public async Task Infer_TheOnlyLoadedModelHasARequestInFlight_IsNotEvicted()
    {
        await using var service = Start(maxLoaded: 1);
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient(TimeSpan.FromSeconds(120));
        using var abandon = new CancellationTokenSource();
        // A step count no Run finishes: the request stays in flight until it is abandoned, however fast the machine.
        var endless = client.PostJsonTextAsync("/v2/models/spin/infer", $$"""
            { "inputs": [{ "name": "x", "datatype": "FP32", "shape": [1, 4], "data": [0, 0, 0, 0] },
                         { "name": "steps", "datatype": "INT64", "shape": [1, 1], "data": [{{long.MaxValue}}] }] }
            """, abandon.Token);
        await WaitForInFlightAsync(client, "spin", endless);

        var refused = await InferIdentityAsync(client, "a", 1);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Contains("requests in flight", refused.Body, StringComparison.Ordinal);
        await abandon.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => endless);
        // The abandoned request's Run is terminated; once it is answered the model is idle and may go.
        await WaitForInFlightAsync(client, "spin", expected: 0);
        var loaded = await InferIdentityAsync(client, "a", 1);
        Assert.True(loaded.Whole, loaded.Body);
        Assert.Equal("UNAVAILABLE", await StateAsync(client, "spin", "1"));
    }

    /// <summary>Until the model's in-flight gauge is above 0 while <paramref name="request"/> is not answered.</summary>
    private static async Task WaitForInFlightAsync(HttpClient client, string model, Task<HttpResponseMessage> request)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (request.IsCompleted)
            {
                using var answer = await request;
                Assert.Fail($"The request to {model} was answered before it was seen in flight: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
            }
            if (await InFlightAsync(client, model) > 0)
            {
                return;
            }
            await Task.Delay(10);
        }
        Assert.Fail($"Model {model} never had a request in flight within 60 s.");
    }

    /// <summary>Until the model's in-flight gauge reads <paramref name="expected"/>.</summary>
    private static async Task WaitForInFlightAsync(HttpClient client, string model, int expected)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int? last = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            last = await InFlightAsync(client, model);
            if (last == expected)
            {
                return;
            }
            await Task.Delay(10);
        }
        Assert.Fail($"Model {model} still had {last} requests in flight after 60 s, not {expected}.");
    }

    /// <summary>The model's in-flight gauge in /metrics, or null while the model is not loaded.</summary>
    private static async Task<int?> InFlightAsync(HttpClient client, string model)
    {
        var metrics = await client.GetStringAsync("/metrics");
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("inference_in_flight{", StringComparison.Ordinal) && l.Contains($"model=\"{model}\"", StringComparison.Ordinal));
        return line is null ? null : (int)double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
