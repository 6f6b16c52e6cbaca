using System.Diagnostics;

namespace InferenceService.Deployment.Tests.TestSupport;

/// <summary>
/// The service published once per test run, with the Dockerfile's publish flags, into a temporary folder that tests
/// start containers from (see <see cref="ContainerSpec"/>). Publishing reuses the build (--no-build): a few seconds.
/// </summary>
public sealed class PublishedApp : IAsyncLifetime
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private int _runs;

    /// <summary>The temporary folder everything of this fixture lives in.</summary>
    internal string Root { get; } = Directory.CreateTempSubdirectory("deployment-app-").FullName;

    /// <summary>The published app (read-only).</summary>
    internal string Folder => Path.Combine(Root, "publish");

    public TimeSpan PublishTime { get; private set; }

    public async Task InitializeAsync()
    {
        FileModes.Open(Root);
        // The Dockerfile's own flags (UseAppHost=false, ...), so the folder holds what the image's /app holds. All but
        // the ONNX Runtime package: publishing reuses the build, so it is the package the tests were built with.
        var flags = DockerfileModel.Load().Stage("publish-cpu").All("RUN")
            .Single(r => r.Contains("dotnet publish", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.StartsWith("-p:", StringComparison.Ordinal) && !w.StartsWith("-p:OnnxRuntimePackage=", StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        var (exitCode, output) = await ProcessRunner.RunAsync(Dotnet.Host,
            ["publish", RepositoryFiles.PathOf("src/InferenceService/InferenceService.csproj"), "-c", Configuration, "-o", Folder, "--no-build", .. flags],
            environment: null, workingDirectory: Root, TimeSpan.FromMinutes(3));
        PublishTime = clock.Elapsed;
        Assert.True(exitCode == 0, $"dotnet publish failed ({exitCode}):\n{output}");
        FileModes.MakeReadOnly(Folder);
    }

    /// <summary>A folder for one container run.</summary>
    internal string NewRunFolder()
    {
        var folder = Path.Combine(Root, $"run-{Interlocked.Increment(ref _runs)}");
        Directory.CreateDirectory(folder);
        FileModes.Open(folder);
        return folder;
    }

    /// <summary>A read-only copy of a file or folder, readable by every user.</summary>
    internal string CopyReadOnly(string source, string target)
    {
        ContainerSpec.CopyTree(source, target);
        FileModes.MakeReadOnly(target);
        return target;
    }

    public Task DisposeAsync()
    {
        FileModes.MakeWritable(Root);
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class PublishedAppCollection : ICollectionFixture<PublishedApp>
{
    public const string Name = "published app";
}

/// <summary>The dotnet host that runs the tests (set by the test runner), else the one on PATH.</summary>
internal static class Dotnet
{
    public static string Host { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}

/// <summary>
/// Unix file modes for a read-only app and model folders, as a read-only root file system and mount give. (The images are
/// Linux images; the assembly is marked as not for Windows.)
/// </summary>
internal static class FileModes
{
    private const UnixFileMode Writes = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
    private const UnixFileMode ReadAll = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode ExecuteAll = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Readable and enterable by every user (the service may run as another user than the tests).</summary>
    public static void Open(string folder) => File.SetUnixFileMode(folder, ReadAll | ExecuteAll | UnixFileMode.UserWrite);

    /// <summary>Writable by every user, like /tmp (sticky: nobody deletes another's files).</summary>
    public static void WorldWritable(string folder) => File.SetUnixFileMode(folder, ReadAll | ExecuteAll | Writes | UnixFileMode.StickyBit);

    public static void MakeReadOnly(string path) => Walk(path, dir => ReadAll | ExecuteAll, file => (File.GetUnixFileMode(file) | ReadAll) & ~Writes);

    public static void MakeWritable(string path) => Walk(path, dir => ReadAll | ExecuteAll | UnixFileMode.UserWrite, file => File.GetUnixFileMode(file) | UnixFileMode.UserWrite);

    private static void Walk(string path, Func<string, UnixFileMode> directoryMode, Func<string, UnixFileMode> fileMode)
    {
        if (File.Exists(path))
        {
            File.SetUnixFileMode(path, fileMode(path));
            return;
        }
        // Parents before children when opening up, children before parents when closing: every step stays reachable.
        File.SetUnixFileMode(path, directoryMode(path) | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var entry in Directory.EnumerateFileSystemEntries(path))
        {
            Walk(entry, directoryMode, fileMode);
        }
        File.SetUnixFileMode(path, directoryMode(path));
    }
}

/// <summary>Runs a process to its end with a time limit, returning its exit code and output.</summary>
internal static class ProcessRunner
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, string workingDirectory, TimeSpan limit)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (environment is not null)
        {
            start.Environment.Clear();
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {limit.TotalSeconds:F0} s\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
