using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// Debian's PostgreSQL (initdb and postgres, on PATH or under /usr/lib/postgresql) as a process of the test: a new
/// cluster in its own temporary folder, listening on a free loopback port (its socket in that folder too), trusting
/// local connections, stopped and deleted on dispose. It runs as the current user; PostgreSQL refuses to run as root,
/// so under root (a container) it runs as the package's <c>postgres</c> user instead. Without the binaries,
/// <see cref="StartAsync"/> fails saying how to install them.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string InstallHint =
        "The shared job store tests run a real PostgreSQL: install Debian's package (`apt-get install postgresql`, which " +
        "`bash .ci/install-postgresql` does when it is missing; `bash .ci/run` calls it before the tests).";

    private const string User = "inference";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private readonly string _bin;
    private readonly string _folder;
    private readonly string? _runAs;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private PostgresServer(string bin, string folder, int port, string? runAs)
    {
        _bin = bin;
        _folder = folder;
        _runAs = runAs;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The Npgsql connection string of the cluster's <c>postgres</c> database.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username={User};Database=postgres;Pooling=true";

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

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBin();
        Assert.True(bin is not null, $"No initdb and postgres found on PATH or under /usr/lib/postgresql. {InstallHint}");
        var runAs = Environment.UserName == "root" ? "postgres" : null;
        var folder = Directory.CreateTempSubdirectory("inferenceservice-postgres-").FullName;
        var server = new PostgresServer(bin!, folder, LoopbackPorts.Free(), runAs);
        if (runAs is not null)
        {
            await server.RunAsync("chown", [runAs, folder], asServer: false);
        }
        await server.RunAsync(Path.Combine(bin!, "initdb"), ["-D", server.Data, "-U", User, "--auth=trust", "--encoding=UTF8", "--no-sync"], asServer: true);
        server.Start();
        await server.WaitUntilListeningAsync();
        return server;
    }

    private string Data => Path.Combine(_folder, "data");

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            // SIGINT is PostgreSQL's fast shutdown: clients are disconnected and the server exits cleanly.
            using (var signal = Process.Start(new ProcessStartInfo("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
            {
                await signal.WaitForExitAsync();
            }
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
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

    /// <summary>The folder holding initdb and postgres: PATH first, then the newest Debian version.</summary>
    private static string? FindBin()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "postgres")));
        if (onPath is not null)
        {
            return onPath;
        }
        const string Debian = "/usr/lib/postgresql";
        return Directory.Exists(Debian)
            ? Directory.GetDirectories(Debian)
                .Select(v => Path.Combine(v, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "postgres")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var version) ? version : 0)
                .FirstOrDefault()
            : null;
    }

    private void Start()
    {
        var (file, arguments) = Command(Path.Combine(_bin, "postgres"),
            ["-D", Data, "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-k", _folder, "-c", "fsync=off", "-c", "max_connections=100"]);
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _folder };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        try
        {
            Assert.True(process.Start(), "postgres did not start.");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"postgres could not be started ({e.Message}). {InstallHint}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    private async Task WaitUntilListeningAsync()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(_process!.HasExited, $"postgres exited with code {(_process.HasExited ? _process.ExitCode : 0)}. Output:\n{Output}");
            if (Output.Contains("ready to accept connections", StringComparison.Ordinal) && await AcceptsAsync())
            {
                return;
            }
            Assert.True(clock.Elapsed < s_startTimeout, $"postgres was not ready within {s_startTimeout.TotalSeconds:F0} s. Output:\n{Output}");
            await Task.Delay(50);
        }
    }

    private async Task<bool> AcceptsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task RunAsync(string file, string[] arguments, bool asServer)
    {
        var (command, all) = asServer ? Command(file, arguments) : (file, arguments);
        using var process = Process.Start(new ProcessStartInfo(command, all) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _folder })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(file)} failed ({process.ExitCode}): {await output}{await errors}");
    }

    /// <summary>The command as the server's user: itself, or through runuser under root.</summary>
    private (string File, string[] Arguments) Command(string file, string[] arguments) =>
        _runAs is null ? (file, arguments) : ("runuser", ["-u", _runAs, "--", file, .. arguments]);

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
