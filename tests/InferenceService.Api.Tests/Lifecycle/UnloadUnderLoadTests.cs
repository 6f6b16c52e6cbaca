using System.Collections.Concurrent;
using System.Net;
using InferenceService.Api.Tests.TestSupport;
using static InferenceService.Api.Tests.TestSupport.LifecycleRequests;

namespace InferenceService.Api.Tests.Lifecycle;

public sealed class UnloadUnderLoadTests : IDisposable
{
    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder()
        .AddModel("ident", "identity_float.onnx")
        .AddModel("other", "identity_float.onnx");

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task Unload_WhileCallersSend_AdmittedRequestsFinishAndLaterOnesGetAClear503()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = _repository.Root,
            ["ModelRepository__ControlMode"] = "explicit",
            ["ModelRepository__LoadModels__0"] = "*",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient(TimeSpan.FromSeconds(30));
        using var stop = new CancellationTokenSource();
        // Whether a request was sent after the unload was answered (not whether it was answered after: one admitted
        // before the unload finishes with 200, as it should, however late its answer comes).
        var answers = new ConcurrentQueue<(IdentityAnswer Answer, bool SentAfterUnload)>();
        var unloaded = 0;
        var callers = Enumerable.Range(0, 16).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var sentAfterUnload = Volatile.Read(ref unloaded) == 1;
                var answer = await InferIdentityAsync(client, "ident", i);
                answers.Enqueue((answer, sentAfterUnload));
            }
        })).ToArray();
        while (answers.Count(a => a.Answer.Status == HttpStatusCode.OK) < 200)
        {
            await Task.Delay(10);
        }

        using (var unload = await UnloadAsync(client, "ident"))
        {
            Assert.Equal(HttpStatusCode.OK, unload.StatusCode);
        }
        Volatile.Write(ref unloaded, 1);
        var seenAfter = answers.Count;
        while (answers.Count < seenAfter + 100)
        {
            await Task.Delay(10);
        }
        await stop.CancelAsync();
        await Task.WhenAll(callers);

        Assert.All(answers, a => Assert.True(a.Answer.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{(int)a.Answer.Status} {a.Answer.Body}"));
        Assert.All(answers.Where(a => a.Answer.Status == HttpStatusCode.OK), a => Assert.True(a.Answer.Whole, a.Answer.Body));
        var after = answers.Where(a => a.SentAfterUnload).Select(a => a.Answer).ToArray();
        Assert.All(after, a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status));
        Assert.Contains("Model 'ident' is not loaded", after[0].Body, StringComparison.Ordinal);
        Assert.Equal("UNAVAILABLE", await StateAsync(client, "ident", "1"));
        using var ready = await client.GetAsync("/v2/models/ident/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using var serverReady = await client.GetAsync("/v2/health/ready");
        Assert.Equal(HttpStatusCode.OK, serverReady.StatusCode); // an unloaded model does not hold the server's readiness back
        Assert.True((await InferIdentityAsync(client, "other", 1)).Whole);
    }
}
