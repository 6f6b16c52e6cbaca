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
        .AddModel("slow", "slow.onnx");

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
        // 400 chained n×n MatMuls a request (at 192 a quiet machine finished one between two scrapes of /metrics).
        const int n = 384;
        var data = string.Join(",", Enumerable.Repeat("0.001", n * n));
        // Three at once: the one instance runs them one after another, so the model stays busy three Runs long.
        var slow = Enumerable.Range(0, 3)
            .Select(_ => client.PostJsonTextAsync("/v2/models/slow/infer", $$"""{ "inputs": [{ "name": "x", "datatype": "FP32", "shape": [{{n}}, {{n}}], "data": [{{data}}] }] }"""))
            .ToArray();
        await WaitForInFlightAsync(client, "slow", Task.WhenAll(slow));

        var refused = await InferIdentityAsync(client, "a", 1);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Contains("requests in flight", refused.Body, StringComparison.Ordinal);
        foreach (var response in await Task.WhenAll(slow))
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        var loaded = await InferIdentityAsync(client, "a", 1);
        Assert.True(loaded.Whole, loaded.Body);
        Assert.Equal("UNAVAILABLE", await StateAsync(client, "slow", "1"));
    }

    /// <summary>Until the model's in-flight gauge is above 0 while <paramref name="requests"/> are not all answered.</summary>
    private static async Task WaitForInFlightAsync(HttpClient client, string model, Task<HttpResponseMessage[]> requests)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (requests.IsCompleted)
            {
                var answers = await requests;
                Assert.Fail($"The requests to {model} were all answered before one was seen in flight: {string.Join(", ", answers.Select(a => (int)a.StatusCode))}");
            }
            var metrics = await client.GetStringAsync("/metrics");
            if (metrics.Split('\n').Any(l => l.StartsWith("inference_in_flight{", StringComparison.Ordinal) && l.Contains($"model=\"{model}\"", StringComparison.Ordinal) && !l.EndsWith(" 0", StringComparison.Ordinal)))
            {
                return;
            }
            await Task.Delay(10);
        }
        Assert.Fail($"Model {model} never had a request in flight within 60 s.");
    }
}
