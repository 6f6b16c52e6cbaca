using System.Collections.Concurrent;
using System.Net;
using InferenceService.Api.Tests.TestSupport;
using static InferenceService.Api.Tests.TestSupport.LifecycleRequests;

namespace InferenceService.Api.Tests.Lifecycle;

/// <summary>
/// Reloads against the real process while callers send: each reload switches the served version (1, 2, 1, …) with a
/// configuration override, so every one builds a version beside the serving one, swaps it in and drains the other.
/// </summary>
public sealed class ReloadUnderLoadTests : IDisposable
{
    private const int Reloads = 100;
    private const int Callers = 32;

    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddModel("ident", "identity_float.onnx", 1, 2);

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task Load_HundredReloadsWhileCallersSend_NoRequestFailsAndEveryAnswerIsFromOneWholeVersion()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = _repository.Root,
            ["ModelRepository__ControlMode"] = "explicit",
            ["ModelRepository__LoadModels__0"] = "ident",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient(TimeSpan.FromSeconds(30));
        using var stop = new CancellationTokenSource();
        var answers = new ConcurrentBag<IdentityAnswer>();
        var callers = Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                answers.Add(await InferIdentityAsync(client, "ident", caller * 1000 + i));
            }
        })).ToArray();

        var servedVersions = new HashSet<string>();
        for (var reload = 0; reload < Reloads; reload++)
        {
            var version = reload % 2 == 0 ? 1 : 2;
            var config = ConfigParameter($$"""{ "version_policy": { "specific": { "versions": [{{version}}] } } }""");
            using var response = await LoadAsync(client, "ident", $$"""{ "parameters": { "config": {{config}} } }""");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Reload {reload}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            servedVersions.Add(version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        await stop.CancelAsync();
        await Task.WhenAll(callers);

        var failed = answers.Where(a => a.Status != HttpStatusCode.OK || !a.Whole).ToArray();
        Assert.True(failed.Length == 0, $"{failed.Length} of {answers.Count} requests failed, e.g. {(failed.Length > 0 ? $"{(int)failed[0].Status} {failed[0].Body}" : "")}");
        Assert.True(answers.Count > Reloads, $"Only {answers.Count} requests were sent during {Reloads} reloads.");
        Assert.All(answers, a => Assert.Contains(a.Version!, servedVersions));
        Assert.Equal(["1", "2"], answers.Select(a => a.Version!).Distinct().Order());
        Assert.DoesNotContain("Unhandled", service.Output, StringComparison.Ordinal);
    }
}
