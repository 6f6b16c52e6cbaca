using Grpc.Net.Client;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Grpc.Protocol;

namespace InferenceService.Api.Tests.Grpc;

/// <summary>
/// The built service as its own process with a gRPC port of its own, serving: the iris sample (versions 1 and 2), the
/// digits sample,
/// the 14 identity models (one per element type), and the slow model twice: <c>slow_queue</c>, one instance and a
/// queue of one (the third request at once is refused), and <c>slow_timeout</c>, whose requests may ask for a queue
/// timeout of their own; and the spin model unbatched (a request of a huge step count runs until its deadline passes).
/// </summary>
public sealed class GrpcServiceFixture : IAsyncLifetime
{
    /// <summary>Rows (and columns) of a slow model's input: a Run takes about a second here (at n = 192 only about 0.1 s, too short for the overlap the queue tests need), and is cancelled when its caller goes.</summary>
    public const int SlowSize = 384;

    private readonly ModelRepositoryBuilder _repository = new();
    private ServiceProcess? _service;
    private GrpcChannel? _channel;

    public ServiceProcess Service => _service!;

    public HttpClient Http { get; private set; } = null!;

    public GrpcChannel Channel => _channel!;

    internal GRPCInferenceService.GRPCInferenceServiceClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _repository.AddSampleModel("iris");
        _repository.AddSampleModel("digits");
        foreach (var type in IdentityModelsFixture.ElementTypes)
        {
            _repository.AddModel($"identity_{type}", $"identity_{type}.onnx");
        }
        _repository.AddModel("slow_queue", "slow.onnx").WithConfig("slow_queue", """
            { "max_batch_size": 512, "instance_group": [{ "count": 1, "kind": "KIND_CPU" }],
              "dynamic_batching": { "default_queue_policy": { "max_queue_size": 1 } } }
            """);
        _repository.AddModel("slow_timeout", "slow.onnx").WithConfig("slow_timeout", """
            { "max_batch_size": 512, "instance_group": [{ "count": 1, "kind": "KIND_CPU" }],
              "dynamic_batching": { "default_queue_policy": { "max_queue_size": 8, "allow_timeout_override": true } } }
            """);
        _repository.AddModel("spin", "spin.onnx").WithConfig("spin", """{ "max_batch_size": 0 }""");
        _service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = _repository.Root,
            // The repository methods are management: this machine's callers may use them here.
            ["Authentication__AnonymousLoopbackManagement"] = "true",
        });
        await _service.WaitUntilReadyAsync();
        Http = _service.CreateClient(TimeSpan.FromSeconds(30));
        _channel = GrpcChannel.ForAddress(_service.GrpcAddress!);
        Client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        Http?.Dispose();
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
        _repository.Dispose();
    }
}

/// <summary>The gRPC tests share one process (its start costs seconds); they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class GrpcServiceCollection : ICollectionFixture<GrpcServiceFixture>
{
    public const string Name = "gRPC service process";
}
