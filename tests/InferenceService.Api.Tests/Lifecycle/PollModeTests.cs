using System.Diagnostics;
using InferenceService.Api.Tests.TestSupport;
using static InferenceService.Api.Tests.TestSupport.LifecycleRequests;

namespace InferenceService.Api.Tests.Lifecycle;

/// <summary>
/// Poll mode against the real process on its real clock: the repository is followed. (That a version copied in slowly
/// is picked up only once settled is shown scan by scan, on a driven clock, by the engine's RepositoryPollTests.)
/// </summary>
public sealed class PollModeTests : IDisposable
{
    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddModel("ident", "identity_float.onnx");

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task Poll_VersionAddedThenModelRemoved_ServesTheNewVersionThenUnloadsTheModel()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = _repository.Root,
            ["ModelRepository__ControlMode"] = "poll",
            ["ModelRepository__PollIntervalSeconds"] = "0.2",
        });
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient(TimeSpan.FromSeconds(30));
        Assert.Equal("1", (await InferIdentityAsync(client, "ident", 1)).Version);

        // Copied under a hidden name, then renamed: the documented way to add a version to a polled repository.
        var hidden = Path.Combine(_repository.Root, "ident", ".2");
        Directory.CreateDirectory(hidden);
        File.Copy(TestPaths.TestModel("identity_float.onnx"), Path.Combine(hidden, "model.onnx"));
        Directory.Move(hidden, Path.Combine(_repository.Root, "ident", "2"));
        await WaitForAsync(async () => (await InferIdentityAsync(client, "ident", 1)).Version == "2", "version 2 serves", service);
        Assert.Equal("ABSENT", await StateAsync(client, "ident", "1")); // latest 1: version 1 was dropped

        Directory.Delete(Path.Combine(_repository.Root, "ident"), recursive: true);
        await WaitForAsync(async () => await StateAsync(client, "ident", "2") == "ABSENT", "the removed model leaves the index", service);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await InferIdentityAsync(client, "ident", 1)).Status);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, ServiceProcess service)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"Never happened: {what}. Output:\n{service.Output}");
    }
}
