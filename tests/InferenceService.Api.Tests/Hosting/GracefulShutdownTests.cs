using System.Diagnostics;
using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Hosting;

/// <summary>
/// SIGTERM to the real process while requests are queued: readiness stops answering 200 at once, every admitted
/// request is answered 200, and the process exits on its own, well within its shutdown timeout.
/// </summary>
public sealed class GracefulShutdownTests
{
    private const int Requests = 12;

    // slow.onnx runs 400 chained [n, n] matrix products: at n = 96 a Run takes tens of milliseconds here, so the
    // requests (one instance, one at a time) keep the queue busy for a while after the signal.
    private const int N = 96;

    [Fact]
    public async Task Sigterm_WithRequestsQueued_FinishesEveryAdmittedRequestThenExits()
    {
        using var repository = new ModelRepositoryBuilder().AddModel("slow", "slow.onnx");
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = repository.Root,
            ["shutdownTimeoutSeconds"] = "20",
        });
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient(TimeSpan.FromSeconds(60));
        var body = $$"""{ "inputs": [{ "name": "x", "datatype": "FP32", "shape": [{{N}}, {{N}}], "data": [{{string.Join(",", Enumerable.Repeat("0.01", N * N))}}] }] }""";

        var inFlight = Enumerable.Range(0, Requests).Select(_ => client.PostJsonTextAsync("/v2/models/slow/infer", body)).ToArray();
        await WaitUntilAdmittedAsync(client, inFlight);
        var signalled = Stopwatch.StartNew();
        service.Terminate();

        Assert.True(await ReadinessDropsWithinAsync(service, TimeSpan.FromSeconds(1)), "Readiness still answered 200 a second after SIGTERM.");
        var answers = await Task.WhenAll(inFlight);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(25)))
        {
            await service.Process.WaitForExitAsync(exit.Token);
        }
        Assert.Equal(0, service.Process.ExitCode);
        Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(25), $"The process took {signalled.Elapsed.TotalSeconds:F1} s to exit.");
        Assert.Contains("Stopping: new requests are refused", service.Output, StringComparison.Ordinal);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    /// <summary>Waits until the first request has run (so the rest are in the server) and some are still waiting.</summary>
    private static async Task WaitUntilAdmittedAsync(HttpClient client, Task<HttpResponseMessage>[] inFlight)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var stats = await client.GetAsync("/v2/models/slow/stats");
            var text = await stats.Content.ReadAsStringAsync();
            if (text.Contains("\"execution_count\":", StringComparison.Ordinal) && !text.Contains("\"execution_count\":0", StringComparison.Ordinal))
            {
                Assert.Contains(inFlight, t => !t.IsCompleted); // still work left to drain: the test means something
                return;
            }
            await Task.Delay(10);
        }
        Assert.Fail("No request ran within 30 s.");
    }

    /// <summary>True once a fresh readiness probe (a new connection, as a kubelet makes) gets anything but 200.</summary>
    private static async Task<bool> ReadinessDropsWithinAsync(ServiceProcess service, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            using var probe = service.CreateClient(TimeSpan.FromSeconds(1));
            try
            {
                using var ready = await probe.GetAsync("/health/ready");
                if (ready.StatusCode != HttpStatusCode.OK)
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                return true; // the listener is closed: the probe fails just the same
            }
            await Task.Delay(20);
        }
        return false;
    }
}
