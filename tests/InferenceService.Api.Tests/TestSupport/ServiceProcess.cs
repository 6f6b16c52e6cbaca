using System.Diagnostics;
using System.Net;
using System.Text;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// The built service as its own process, as it is deployed: <c>dotnet InferenceService.dll --urls …</c> from its
/// build folder, with the output captured for failure messages. Killed on dispose if it is still running.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
#if DEBUG
    internal const string Configuration = "Debug";
#else
    internal const string Configuration = "Release";
#endif

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, int port, Uri? grpcAddress)
    {
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        GrpcAddress = grpcAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The V2 gRPC endpoint (a free loopback port of its own); null when the environment turned it off.</summary>
    public Uri? GrpcAddress { get; }

    public Process Process => _process;

    /// <summary>Everything the process wrote so far, for assertion messages.</summary>
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

    /// <summary>Starts the service on a free loopback port with <paramref name="environment"/> set, in Production.</summary>
    public static ServiceProcess Start(IReadOnlyDictionary<string, string> environment) => Start(environment, null);

    /// <summary>
    /// As <see cref="Start(IReadOnlyDictionary{string, string})"/>, with more settings made from the port it listens on
    /// (Kestrel endpoints, which replace <c>--urls</c>, must name it).
    /// </summary>
    public static ServiceProcess Start(IReadOnlyDictionary<string, string> environment, Func<int, IReadOnlyDictionary<string, string>>? forPort)
    {
        var binaries = Path.Combine(TestPaths.RepositoryRoot, "src", "InferenceService", "bin", Configuration, "net10.0");
        var dll = Path.Combine(binaries, "InferenceService.dll");
        Assert.True(File.Exists(dll), $"The service is not built at {dll}.");
        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo(DotnetHost(), [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = binaries,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // Processes run side by side: each gets a gRPC port of its own unless the test names one.
        start.Environment["Grpc__Url"] = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        // The test is this machine's caller: it may manage the repository unless its settings say otherwise.
        start.Environment["Authentication__AnonymousLoopbackManagement"] = "true";
        foreach (var (name, value) in environment.Concat(forPort?.Invoke(port) ?? new Dictionary<string, string>()))
        {
            start.Environment[name] = value;
        }
        var grpc = start.Environment["Grpc__Url"] is { Length: > 0 } url ? new Uri(url) : null;
        var service = new ServiceProcess(new Process { StartInfo = start }, port, grpc);
        service._process.OutputDataReceived += (_, e) => service.Append(e.Data);
        service._process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        Assert.True(service._process.Start());
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();
        return service;
    }

    public HttpClient CreateClient(TimeSpan? timeout = null) =>
        new() { BaseAddress = BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(10) };

    /// <summary>Polls <c>/v2/health/ready</c> until it answers 200; fails with the output if the process exits first.</summary>
    public async Task WaitUntilReadyAsync()
    {
        using var client = CreateClient(TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (clock.Elapsed < s_startTimeout)
        {
            Assert.False(_process.HasExited, $"The service exited with code {(_process.HasExited ? _process.ExitCode : 0)} before it was ready. Output:\n{Output}");
            try
            {
                using var response = await client.GetAsync("/v2/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
                last = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timed out";
            }
            await Task.Delay(50);
        }
        Assert.Fail($"The service was not ready after {s_startTimeout.TotalSeconds:F0} s (last: {last}). Output:\n{Output}");
    }

    /// <summary>Waits until a line of output matches (output arrives asynchronously) and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string description)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (Output.Split('\n').FirstOrDefault(l => match(l.TrimEnd('\r'))) is { } line)
            {
                return line.TrimEnd('\r');
            }
            await Task.Delay(20);
        }
        Assert.Fail($"No line of output is {description}. Output:\n{Output}");
        return "";
    }

    /// <summary>Sends SIGTERM, as Kubernetes and the container runtime do to stop a pod.</summary>
    public void Terminate()
    {
        PosixSignals.Terminate(_process.Id);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(wait.Token);
        _process.Dispose();
    }

    /// <summary>The dotnet host running the tests (set by the test runner), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";


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
