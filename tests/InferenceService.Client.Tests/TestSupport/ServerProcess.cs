using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace InferenceService.Client.Tests.TestSupport;

/// <summary>
/// The built server as its own process (<c>dotnet InferenceService.dll</c> from its build folder, as the API tests'
/// ServiceProcess starts it), on free loopback ports for HTTP and gRPC, serving a temporary repository.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, int httpPort, int grpcPort)
    {
        _process = process;
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
    }

    public Uri HttpAddress { get; }

    public Uri GrpcAddress { get; }

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

    public static ServerProcess Start(string repository)
    {
        var binaries = Path.Combine(RepositoryRoot, "src", "InferenceService", "bin", Configuration, "net10.0");
        var dll = Path.Combine(binaries, "InferenceService.dll");
        Assert.True(File.Exists(dll), $"The server is not built at {dll}.");
        var (http, grpc) = (FreePort(), FreePort());
        var start = new ProcessStartInfo(DotnetHost(), [dll, "--urls", $"http://127.0.0.1:{http}"])
        {
            WorkingDirectory = binaries,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ModelRepository__Path"] = repository;
        start.Environment["Grpc__Url"] = $"http://127.0.0.1:{grpc}";
        start.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        // The repository index is management: this machine's caller may use it.
        start.Environment["Authentication__AnonymousLoopbackManagement"] = "true";
        var server = new ServerProcess(new Process { StartInfo = start }, http, grpc);
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        Assert.True(server._process.Start());
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Polls readiness over HTTP until it answers 200; fails with the output if the process exits first.</summary>
    public async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(_process.HasExited, $"The server exited before it was ready. Output:\n{Output}");
            try
            {
                using var response = await client.GetAsync("/v2/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(50);
        }
        Assert.Fail($"The server was not ready after 60 s. Output:\n{Output}");
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

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string TestModel(string fileName) => Path.Combine(AppContext.BaseDirectory, "TestModels", fileName);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "InferenceService.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds InferenceService.sln.");
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

/// <summary>
/// One server for the client tests: the iris sample, the identity models (one per element type) and the slow model
/// with one instance and a queue of one (a third request at once is refused with 503 / Unavailable).
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public static readonly IReadOnlyList<string> ElementTypes =
    [
        "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float", "double", "string",
    ];

    private readonly string _repository = Directory.CreateTempSubdirectory("client-tests-").FullName;

    public ServerProcess Server { get; private set; } = null!;

    /// <summary>The transports a client speaks: HTTP with JSON bodies, HTTP with binary tensor data, gRPC.</summary>
    public static readonly IReadOnlyList<string> Protocols = ["http", "http-binary", "grpc"];

    /// <summary>A client of <paramref name="protocol"/> (one of <see cref="Protocols"/>).</summary>
    public IInferenceClient Client(string protocol, InferenceClientOptions? options = null, HttpClient? httpClient = null) => protocol switch
    {
        "http" => InferenceClient.ForHttp(Server.HttpAddress, options, httpClient),
        "http-binary" => InferenceClient.ForHttp(Server.HttpAddress, (options ?? new InferenceClientOptions()) with { BinaryTensorData = true }, httpClient),
        "grpc" => InferenceClient.ForGrpc(Server.GrpcAddress, options),
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, null),
    };

    public async Task InitializeAsync()
    {
        CopyDirectory(Path.Combine(ServerProcess.RepositoryRoot, "models", "iris"), Path.Combine(_repository, "iris"));
        foreach (var type in ElementTypes)
        {
            AddModel($"identity_{type}", $"identity_{type}.onnx");
        }
        AddModel("slow_queue", "slow.onnx");
        File.WriteAllText(Path.Combine(_repository, "slow_queue", "config.json"), """
            { "max_batch_size": 512, "instance_group": [{ "count": 1, "kind": "KIND_CPU" }],
              "dynamic_batching": { "default_queue_policy": { "max_queue_size": 1 } } }
            """);
        Server = ServerProcess.Start(_repository);
        await Server.WaitUntilReadyAsync();
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        Directory.Delete(_repository, recursive: true);
    }

    private void AddModel(string name, string file)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_repository, name, "1")).FullName;
        File.Copy(ServerProcess.TestModel(file), Path.Combine(folder, "model.onnx"));
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        foreach (var dir in Directory.EnumerateDirectories(source))
        {
            CopyDirectory(dir, Path.Combine(target, Path.GetFileName(dir)));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server process";
}
