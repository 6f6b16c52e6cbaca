using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace InferenceService.Deployment.Tests.TestSupport;

/// <summary>
/// A container as the image and a deployment file describe it, run from <see cref="PublishedApp"/> without Docker: the
/// image's ENV, WORKDIR, USER and ENTRYPOINT, the deployment's environment and arguments, and its mounts as read-only
/// copies. Container paths in variables and arguments (/app, /models, ...) are mapped to those copies, and the port in
/// ASPNETCORE_HTTP_PORTS to a free one.
/// </summary>
internal sealed class ContainerSpec
{
    public required DockerStage Image { get; init; }

    /// <summary>Environment variables over the image's (a Deployment's env, a ServingRuntime's env); null removes one.</summary>
    public Dictionary<string, string?> Env { get; } = new(StringComparer.Ordinal);

    /// <summary>A command instead of the image's ENTRYPOINT (null: the ENTRYPOINT).</summary>
    public string[]? Entrypoint { get; init; }

    /// <summary>Arguments after the entry point (a ServingRuntime's args).</summary>
    public List<string> Args { get; } = [];

    /// <summary>Container path to the file or folder mounted there, read-only.</summary>
    public Dictionary<string, string> Mounts { get; } = new(StringComparer.Ordinal);

    /// <summary>Start from a folder other than the image's WORKDIR (null: the WORKDIR).</summary>
    public string? WorkingDirectory { get; init; }

    public async Task<RunningContainer> StartAsync(PublishedApp app)
    {
        var run = app.NewRunFolder();
        var workdir = Image.Last("WORKDIR") ?? throw new InvalidOperationException($"Stage {Image.Name} has no WORKDIR.");
        var appFolder = Path.Combine(run, "app");
        CopyTree(app.Folder, appFolder);
        var paths = new List<(string Container, string Host)> { (workdir, appFolder) };
        var index = 0;
        foreach (var (target, source) in Mounts.OrderBy(m => m.Key.Length))
        {
            var host = target.StartsWith(workdir + "/", StringComparison.Ordinal)
                ? Path.Combine(appFolder, target[(workdir.Length + 1)..])
                : Path.Combine(run, $"mount-{index++}");
            CopyTree(source, host);
            FileModes.MakeReadOnly(host);
            paths.Insert(0, (target, host));
        }
        FileModes.MakeReadOnly(appFolder);
        var home = Path.Combine(run, "home");
        var tmp = Path.Combine(run, "tmp");
        Directory.CreateDirectory(home);
        Directory.CreateDirectory(tmp);
        FileModes.MakeReadOnly(home);
        FileModes.WorldWritable(tmp);

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = home,
            ["TMPDIR"] = tmp,
        };
        foreach (var (name, value) in Image.Env)
        {
            environment[name] = value;
        }
        foreach (var (name, value) in Env)
        {
            if (value is null)
            {
                environment.Remove(name);
            }
            else
            {
                environment[name] = value;
            }
        }
        var containerPort = int.Parse(environment["ASPNETCORE_HTTP_PORTS"], CultureInfo.InvariantCulture);
        var hostPort = FreePort();
        environment["ASPNETCORE_HTTP_PORTS"] = hostPort.ToString(CultureInfo.InvariantCulture);
        // The gRPC port too gets a free one, unless the test names its own: containers run side by side here.
        if (!Env.ContainsKey("Grpc__Url"))
        {
            environment["Grpc__Url"] = $"http://127.0.0.1:{FreePort()}";
        }
        string Map(string value)
        {
            foreach (var (container, host) in paths)
            {
                if (value == container || value.StartsWith(container + "/", StringComparison.Ordinal))
                {
                    return host + value[container.Length..];
                }
                var equals = value.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0 && value[(equals + 1)..] is var right && (right == container || right.StartsWith(container + "/", StringComparison.Ordinal)))
                {
                    return value[..(equals + 1)] + host + right[container.Length..];
                }
            }
            return value.Replace($"127.0.0.1:{containerPort}/", $"127.0.0.1:{hostPort}/", StringComparison.Ordinal);
        }
        foreach (var name in environment.Keys.ToArray())
        {
            environment[name] = Map(environment[name]);
        }

        var user = Image.Last("USER");
        var container = new RunningContainer(environment, WorkingDirectory ?? appFolder, user, hostPort, containerPort, Map);
        var entryPoint = Entrypoint
            ?? DockerfileModel.ExecForm(Image.Last("ENTRYPOINT") ?? throw new InvalidOperationException($"Stage {Image.Name} has no ENTRYPOINT."));
        container.Start([.. entryPoint, .. Args]);
        await Task.Yield();
        return container;
    }

    internal static void CopyTree(string source, string target)
    {
        if (File.Exists(source))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target, overwrite: true); // a mounted file hides the image's own
            return;
        }
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        foreach (var folder in Directory.EnumerateDirectories(source))
        {
            CopyTree(folder, Path.Combine(target, Path.GetFileName(folder)));
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A started <see cref="ContainerSpec"/>: its process, its output, HTTP to its port, and commands run inside it.</summary>
internal sealed class RunningContainer(
    IReadOnlyDictionary<string, string> environment, string workingDirectory, string? user, int hostPort, int containerPort, Func<string, string> map)
    : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public int ContainerPort => containerPort;

    /// <summary>The V2 gRPC endpoint (Grpc__Url, a free loopback port unless the test named one).</summary>
    public Uri GrpcAddress => new(environment["Grpc__Url"]);

    /// <summary>Polls the gRPC health service (as Kubernetes' grpc probe does) until <paramref name="service"/> is SERVING.</summary>
    public async Task WaitForGrpcServingAsync(string service, TimeSpan within)
    {
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(GrpcAddress);
        var health = new global::Grpc.Health.V1.Health.HealthClient(channel);
        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (clock.Elapsed < within)
        {
            try
            {
                var reply = await health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(2));
                if (reply.Status == global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
                last = reply.Status.ToString();
            }
            catch (global::Grpc.Core.RpcException e)
            {
                last = e.Status.StatusCode.ToString();
            }
            await Task.Delay(100);
        }
        Assert.Fail($"The gRPC health service did not answer SERVING for \"{service}\" within {within.TotalSeconds:F0} s (last: {last}). Output:\n{Output}");
    }

    public HttpClient Client { get; } = new() { BaseAddress = new Uri($"http://127.0.0.1:{hostPort}"), Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Whether the process runs as the image's user (the tests run as root and can switch), or as the tests' user.</summary>
    public bool RunsAsImageUser { get; private set; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    internal void Start(string[] command)
    {
        var (fileName, arguments) = Command(command);
        var start = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        Assert.True(_process.Start());
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Runs a command inside the container (same user, environment and paths), like docker exec.</summary>
    public Task<(int ExitCode, string Output)> ExecAsync(string[] command)
    {
        var (fileName, arguments) = Command(command);
        return ProcessRunner.RunAsync(fileName, arguments, environment, workingDirectory, TimeSpan.FromSeconds(30));
    }

    /// <summary>Polls GET <paramref name="path"/> until it answers 200, failing with the output after <paramref name="within"/>.</summary>
    public async Task<TimeSpan> WaitForOkAsync(string path, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (clock.Elapsed < within)
        {
            if (_process!.HasExited)
            {
                Assert.Fail($"The service exited ({_process.ExitCode}) before GET {path} answered 200. Output:\n{Output}");
            }
            try
            {
                using var response = await Client.GetAsync(path);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return clock.Elapsed;
                }
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"GET {path} did not answer 200 within {within.TotalSeconds:F0} s (last: {last}). Output:\n{Output}");
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    private (string FileName, string[] Arguments) Command(string[] command)
    {
        var mapped = command.Select(map).ToArray();
        if (mapped[0] == "dotnet")
        {
            mapped[0] = Dotnet.Host;
        }
        // As root, drop to the image's user, as the container runtime does; otherwise run as the tests' own user.
        if (user is not null && Environment.UserName == "root" && File.Exists("/usr/bin/setpriv"))
        {
            RunsAsImageUser = true;
            return ("/usr/bin/setpriv", [$"--reuid={user}", $"--regid={user}", "--clear-groups", "--", .. mapped]);
        }
        return (mapped[0], mapped[1..]);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
