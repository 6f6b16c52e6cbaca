using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Client.Tests.TestSupport;

/// <summary>
/// One server for the client tests: the iris sample, the identity models (one per element type) and the slow model
/// with one instance and a queue of one (a third request at once is refused with 503 / Unavailable), and the spin model
/// unbatched (a request of a huge step count runs until it is cancelled or its deadline passes).
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public static readonly IReadOnlyList<string> ElementTypes =
    [
        "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float", "double", "string",
    ];

    private readonly string _repository = Directory.CreateTempSubdirectory("client-tests-").FullName;

    /// <summary>The server as its own process: the API tests' launcher (<see cref="ServiceProcess"/>, a linked file), so both suites start it alike.</summary>
    public ServiceProcess Server { get; private set; } = null!;

    /// <summary>The transports a client speaks: HTTP with JSON bodies, HTTP with binary tensor data, gRPC.</summary>
    public static readonly IReadOnlyList<string> Protocols = ["http", "http-binary", "grpc"];

    /// <summary>A client of <paramref name="protocol"/> (one of <see cref="Protocols"/>).</summary>
    public IInferenceClient Client(string protocol, InferenceClientOptions? options = null, HttpClient? httpClient = null) => protocol switch
    {
        "http" => InferenceClient.ForHttp(Server.BaseAddress, options, httpClient),
        "http-binary" => InferenceClient.ForHttp(Server.BaseAddress, (options ?? new InferenceClientOptions()) with { BinaryTensorData = true }, httpClient),
        "grpc" => InferenceClient.ForGrpc(Server.GrpcAddress!, options),
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, null),
    };

    public async Task InitializeAsync()
    {
        CopyDirectory(Path.Combine(TestPaths.SampleModels, "iris"), Path.Combine(_repository, "iris"));
        foreach (var type in ElementTypes)
        {
            AddModel($"identity_{type}", $"identity_{type}.onnx");
        }
        AddModel("slow_queue", "slow.onnx");
        File.WriteAllText(Path.Combine(_repository, "slow_queue", "config.json"), """
            { "max_batch_size": 512, "instance_group": [{ "count": 1, "kind": "KIND_CPU" }],
              "dynamic_batching": { "default_queue_policy": { "max_queue_size": 1 } } }
            """);
        AddModel("spin", "spin.onnx");
        File.WriteAllText(Path.Combine(_repository, "spin", "config.json"), """{ "max_batch_size": 0 }""");
        Server = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = _repository,
            ["Serilog__MinimumLevel__Default"] = "Warning",
        });
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
        File.Copy(TestPaths.TestModel(file), Path.Combine(folder, "model.onnx"));
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
