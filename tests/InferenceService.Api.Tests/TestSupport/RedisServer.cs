using System.ComponentModel;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// Debian's <c>redis-server</c> (found on PATH) as a process of the test: on a free loopback port, with its own data
/// folder, nothing persisted, and stopped (its folder deleted) on dispose. <see cref="StopAsync"/> and
/// <see cref="StartAgainAsync"/> take it away and bring it back on the same port, as an outage does. Without the binary,
/// <see cref="StartAsync"/> fails saying how to install it: a test that skipped itself would check nothing.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string InstallHint =
        "The shared-state tests run a real Redis: install Debian's package (`apt-get install redis-server`, which " +
        "`bash .ci/install-redis` does when it is missing; `bash .ci/run` calls it before the tests), or put a redis-server " +
        "binary on PATH.";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);

    private readonly string _binary;
    private readonly string _folder;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RedisServer(string binary, string folder, int port)
    {
        _binary = binary;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis connection string of this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

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

    public static string RequireBinary()
    {
        var binary = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);
        Assert.True(binary is not null, $"No redis-server binary on PATH. {InstallHint}");
        return binary!;
    }

    /// <summary>Starts a server and waits until it answers PING.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(RequireBinary(), Directory.CreateTempSubdirectory("inferenceservice-redis-").FullName, LoopbackPorts.Free());
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again) on its port and waits until it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        Assert.True(_process is null || _process.HasExited, "The Redis server is already running.");
        _process?.Dispose();
        var start = new ProcessStartInfo(_binary,
        [
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", _folder,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--protected-mode", "yes",
        ])
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        try
        {
            Assert.True(process.Start(), $"{_binary} did not start.");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"{_binary} could not be started ({e.Message}). {InstallHint}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var clock = Stopwatch.StartNew();
        while (!await PingAsync())
        {
            Assert.False(process.HasExited, $"redis-server exited with code {(process.HasExited ? process.ExitCode : 0)}. Output:\n{Output}");
            Assert.True(clock.Elapsed < s_startTimeout, $"redis-server did not answer PING within {s_startTimeout.TotalSeconds:F0} s. Output:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>Kills the server, as a crash or a network partition takes it away, and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(wait.Token);
        }
    }

    /// <summary>Sends one command in Redis's inline form and returns the first line of the answer.</summary>
    public async Task<string> CommandAsync(string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temporary folder is cleaned with the machine.
        }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            return await CommandAsync("PING") == "+PONG";
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
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
