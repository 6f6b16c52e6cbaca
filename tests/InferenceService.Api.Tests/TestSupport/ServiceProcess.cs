using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// The built service as its own process, as it is deployed: <c>dotnet InferenceService.dll --urls …</c> in the
/// Production environment, serving the source tree's models/, with a client for it and everything it writes to its
/// console. Disposing kills the process.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, HttpClient client)
    {
        _process = process;
        Client = client;
    }

    public HttpClient Client { get; }

    /// <summary>Everything the process wrote to stdout and stderr so far, line by line.</summary>
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

    /// <summary>Starts the service and waits until <c>/v2/health/ready</c> answers 200.</summary>
    public static async Task<ServiceProcess> StartAsync()
    {
        var binaries = Path.Combine(TestPaths.RepositoryRoot, "src", "InferenceService", "bin", Configuration, "net10.0");
        var dll = Path.Combine(binaries, "InferenceService.dll");
        Assert.True(File.Exists(dll), $"The service is not built at {dll}.");
        var port = FreePort();
        var start = new ProcessStartInfo(DotnetHost(), [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = binaries,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ModelRepository__Path"] = TestPaths.SampleModels;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = new Process { StartInfo = start };
        var service = new ServiceProcess(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) });
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        try
        {
            Assert.True(process.Start());
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await service.WaitUntilReadyAsync();
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
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

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        }
        catch (InvalidOperationException)
        {
            // Never started: nothing to stop.
        }
        _process.Dispose();
    }

    private async Task WaitUntilReadyAsync()
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (clock.Elapsed < s_timeout)
        {
            Assert.False(_process.HasExited, $"The service exited with code {(_process.HasExited ? _process.ExitCode : 0)} before it was ready. Output:\n{Output}");
            try
            {
                using var response = await Client.GetAsync("/v2/health/ready");
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
        Assert.Fail($"The service was not ready after {s_timeout.TotalSeconds:F0} s (last: {last}). Output:\n{Output}");
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

    /// <summary>The dotnet host running the tests (set by the test runner), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
