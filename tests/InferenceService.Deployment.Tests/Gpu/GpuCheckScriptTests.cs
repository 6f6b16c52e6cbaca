using InferenceService.Deployment.Tests.TestSupport;

namespace InferenceService.Deployment.Tests.Gpu;

/// <summary>
/// tests/InferenceService.LoadGenerator/benchmark/gpu-check.sh, run here on the tests' own build (its ONNX Runtime natives)
/// without serving: what it says with no driver or an old one, and that it lists every library the CUDA provider links.
/// </summary>
public sealed class GpuCheckScriptTests : IDisposable
{
    private const string Script = "tests/InferenceService.LoadGenerator/benchmark/gpu-check.sh";

    private readonly string _folder = Directory.CreateTempSubdirectory("gpu-check-test-").FullName;

    private async Task<(int ExitCode, string Output)> RunAsync(string nvidiaSmi, params string[] arguments)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
            ["HOME"] = _folder,
            ["TMPDIR"] = _folder,
            ["GPU_CHECK_NVIDIA_SMI"] = nvidiaSmi,
            ["GPU_CHECK_OUT"] = Path.Combine(_folder, "out"),
        };
        if (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") is { } libraries)
        {
            environment["LD_LIBRARY_PATH"] = libraries;
        }
        return await ProcessRunner.RunAsync("bash", [RepositoryFiles.PathOf(Script), .. arguments], environment, _folder, TimeSpan.FromMinutes(1));
    }

    private Task<(int ExitCode, string Output)> RunOnTheTestsBuildAsync(string nvidiaSmi) =>
        RunAsync(nvidiaSmi, "--app", AppContext.BaseDirectory, "--no-serve");

    private static string Verdict(string output) => Assert.Single(output.Split('\n'), l => l.StartsWith("VERDICT: ", StringComparison.Ordinal));

    [Fact]
    public async Task Script_ParsesAndIsExecutable()
    {
        var (exitCode, output) = await ProcessRunner.RunAsync("bash", ["-n", RepositoryFiles.PathOf(Script)], null, RepositoryFiles.Root, TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, output);
        Assert.True(File.GetUnixFileMode(RepositoryFiles.PathOf(Script)).HasFlag(UnixFileMode.UserExecute), $"{Script} is not executable.");
    }

    [Fact]
    public async Task NoDriver_SaysThereIsNoGpuAndFailsWithThatReason()
    {
        var (exitCode, output) = await RunOnTheTestsBuildAsync(Path.Combine(_folder, "no-such-nvidia-smi"));

        Assert.True(exitCode == 1, $"exit {exitCode}:\n{output}");
        Assert.Contains("No nvidia-smi", output, StringComparison.Ordinal);
        Assert.StartsWith("VERDICT: FAIL: no NVIDIA GPU or driver visible", Verdict(output), StringComparison.Ordinal);
        Assert.Contains("GPU:                none visible", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DriverForCuda12_SaysItIsTooOldForTheCuda13Build()
    {
        var smi = Path.Combine(_folder, "nvidia-smi");
        File.WriteAllText(smi, """
            #!/bin/sh
            [ "$1" = "--query-gpu=name,driver_version,memory.total" ] && { echo "NVIDIA L4, 550.54.15, 23034 MiB"; exit 0; }
            echo "| NVIDIA-SMI 550.54.15    Driver Version: 550.54.15    CUDA Version: 12.4 |"
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var (exitCode, output) = await RunOnTheTestsBuildAsync(smi);

        Assert.True(exitCode == 1, $"exit {exitCode}:\n{output}");
        Assert.Contains("CUDA Version: 12.4", output, StringComparison.Ordinal); // nvidia-smi's own output, printed
        Assert.Contains("the driver runs CUDA 12.4; CUDA 13 needs driver R580 or newer", Verdict(output), StringComparison.Ordinal);
        Assert.Contains("NVIDIA L4 | 550.54.15", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LibraryCheck_ListsEveryLibraryTheBuildsCudaProviderLinksFoundOrMissing()
    {
        var (_, output) = await RunOnTheTestsBuildAsync(Path.Combine(_folder, "no-such-nvidia-smi"));
        // The CUDA provider's block: from its "-- <path>" line to the next provider's.
        var lines = output.Split('\n').SkipWhile(l => !(l.StartsWith("-- ", StringComparison.Ordinal) && l.EndsWith("/libonnxruntime_providers_cuda.so", StringComparison.Ordinal)))
            .Skip(1).TakeWhile(l => !l.StartsWith("-- ", StringComparison.Ordinal) && !l.StartsWith("== ", StringComparison.Ordinal)).ToArray();

        if (BuildFlavour.Require() == "Cpu")
        {
            Assert.Contains("not the Gpu flavour", Verdict(output), StringComparison.Ordinal);
            return;
        }
        // The dynamic loader itself is listed by ldd without "=>"; every other linked library gets a line of its own.
        var needed = ElfFile.Needed(BuildFlavour.Native("libonnxruntime_providers_cuda.so")).Where(n => !n.StartsWith("ld-linux", StringComparison.Ordinal)).ToArray();
        Assert.Contains("libcudart.so.13", needed);
        foreach (var library in needed.Append("libcudnn.so.9"))
        {
            var line = Assert.Single(lines, l => l.StartsWith($"  {library} ", StringComparison.Ordinal) && (l.Contains(" found ", StringComparison.Ordinal) || l.Contains(" MISSING ", StringComparison.Ordinal)));
            if (line.Contains(" MISSING ", StringComparison.Ordinal))
            {
                Assert.Contains("install ", line, StringComparison.Ordinal);
                Assert.Contains(library, Verdict(output), StringComparison.Ordinal);
            }
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
