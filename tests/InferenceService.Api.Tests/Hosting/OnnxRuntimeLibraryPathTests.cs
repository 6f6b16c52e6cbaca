using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Hosting;

/// <summary>
/// OnnxRuntime:LibraryPath, for a custom native build of ONNX Runtime: the process must load that file instead of the
/// package's, and a path that is not there must leave the server alive but never ready, saying why.
/// </summary>
public sealed class OnnxRuntimeLibraryPathTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("custom-ort-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Start_LibraryPathToACopy_LoadsThatFileAndServes()
    {
        // A copy of the package's own library stands in for a custom build: what matters is which file is loaded.
        var packaged = Path.Combine(TestPaths.RepositoryRoot, "src", "InferenceService", "bin", ServiceProcess.Configuration, "net10.0", "runtimes", "linux-x64", "native", "libonnxruntime.so");
        Assert.True(File.Exists(packaged), $"The package's native library is not at {packaged}.");
        var custom = Path.Combine(_folder, "libonnxruntime.so");
        File.Copy(packaged, custom);

        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = TestPaths.SampleModels,
            ["OnnxRuntime__LibraryPath"] = custom,
        });
        await service.WaitUntilReadyAsync();

        await service.WaitForLineAsync(l => l.Contains("ONNX Runtime 1.31.0 loaded from", StringComparison.Ordinal) && l.Contains(custom, StringComparison.Ordinal), "the runtime loaded from the custom path");
        var mapped = await File.ReadAllTextAsync($"/proc/{service.Process.Id}/maps");
        Assert.Contains(custom, mapped, StringComparison.Ordinal);
        Assert.DoesNotContain(packaged, mapped, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_LibraryPathThatDoesNotExist_StaysAliveButNeverReady()
    {
        var missing = Path.Combine(_folder, "libonnxruntime.so");

        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = TestPaths.SampleModels,
            ["OnnxRuntime__LibraryPath"] = missing,
        });

        await service.WaitForLineAsync(l => l.Contains("ONNX Runtime could not be loaded", StringComparison.Ordinal) && l.Contains("does not exist", StringComparison.Ordinal), "the runtime's failure");
        using var client = service.CreateClient();
        // The loader logs the failure as the host starts, which may be before Kestrel listens: wait for it to.
        await ServiceReadiness.WaitForStatusAsync(client, "/v2/health/live", HttpStatusCode.OK);
        using var ready = await client.GetAsync("/v2/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }
}
