using System.Text;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Hosting;

/// <summary>
/// ONNX Runtime's own builds send usage telemetry to Microsoft unless told not to: on Linux they keep a device id and
/// an event store under the user's cache folder and upload from there. The service turns that off
/// (<c>OnnxRuntime:Telemetry</c> false, the default), even when its environment says <c>ORT_DISABLE_TELEMETRY=0</c>.
/// </summary>
public sealed class OnnxRuntimeTelemetryTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("ort-home-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task Start_ByDefault_OnnxRuntimeKeepsNoTelemetryStoreAndServes()
    {
        var cache = Path.Combine(_home, ".cache");
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = TestPaths.SampleModels,
            ["HOME"] = _home,
            ["XDG_CACHE_HOME"] = cache,
            // What ONNX Runtime would read as "send": the service's default must win over it.
            ["ORT_DISABLE_TELEMETRY"] = "0",
        });
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient();
        using var body = new StringContent("""{ "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""", Encoding.UTF8, "application/json");
        using var answer = await client.PostAsync("/predict/iris", body);
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());

        // ONNX Runtime makes its store when the environment is created, before the first session: by readiness it
        // would be there (under XDG_CACHE_HOME when set, as here, else under HOME/.cache).
        Assert.False(Directory.Exists(Path.Combine(cache, "Microsoft")), $"ONNX Runtime made a telemetry store under {cache}. Output:\n{service.Output}");
    }
}
