namespace InferenceService.Client;

/// <summary>
/// An Open Inference Protocol client, over HTTP or gRPC (<see cref="InferenceClient.ForHttp"/>,
/// <see cref="InferenceClient.ForGrpc"/>): the same calls, results and errors whichever the transport. Every call
/// retries what the server refuses for now (HTTP 503, gRPC Unavailable) after the wait it asks for (Retry-After),
/// within <see cref="InferenceClientOptions.MaxRetries"/>, and ends at <see cref="InferenceClientOptions.Timeout"/>
/// (a gRPC deadline; over HTTP the same limit) or when its token is cancelled.
/// </summary>
public interface IInferenceClient : IDisposable
{
    Task<bool> ServerLiveAsync(CancellationToken cancellationToken = default);

    Task<bool> ServerReadyAsync(CancellationToken cancellationToken = default);

    /// <exception cref="InferenceClientException">NotFound: no such model or version.</exception>
    Task<bool> ModelReadyAsync(string model, string? version = null, CancellationToken cancellationToken = default);

    Task<ServerMetadata> ServerMetadataAsync(CancellationToken cancellationToken = default);

    Task<ModelMetadata> ModelMetadataAsync(string model, string? version = null, CancellationToken cancellationToken = default);

    /// <exception cref="InferenceClientException">The server refused the request or failed; its message says why.</exception>
    Task<InferResult> InferAsync(InferRequest request, CancellationToken cancellationToken = default);

    /// <summary>Every model version of the repository; <paramref name="readyOnly"/>: the ready ones.</summary>
    Task<IReadOnlyList<RepositoryModel>> RepositoryIndexAsync(bool readyOnly = false, CancellationToken cancellationToken = default);

    /// <summary>Statistics of every ready version (no model), of a model's, or of one version.</summary>
    Task<IReadOnlyList<ModelStatistics>> ModelStatisticsAsync(string? model = null, string? version = null, CancellationToken cancellationToken = default);
}

/// <summary>How a client retries and how long its calls may take.</summary>
public sealed record InferenceClientOptions
{
    /// <summary>Retries of a call the server refused for now (503 / Unavailable); 0: none.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The longest wait between retries, whatever the server's Retry-After.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The wait before a retry when the server names none (doubled on each retry).</summary>
    public TimeSpan DefaultRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest a call may take, retries included; null: no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Over HTTP: send the inputs and read the outputs as binary tensor data (Triton's binary tensor data extension: a
    /// JSON header, then each tensor's raw little-endian bytes), so no element is written or parsed as JSON text; false:
    /// JSON bodies. gRPC always sends and reads raw contents, whatever this says.
    /// </summary>
    public bool BinaryTensorData { get; init; }

    /// <summary>
    /// Over gRPC: the HTTP/2 connections the client spreads its calls over, round robin (1 to 64). One connection
    /// carries every concurrent call as a stream of its own, but its frames are read and written one after another on
    /// both sides; a client with many calls in flight (a load test, a busy service) gets more done over a few.
    /// </summary>
    public int GrpcConnections { get; init; } = 1;

    /// <summary>Waits between retries (replaceable in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>Makes clients.</summary>
public static class InferenceClient
{
    /// <summary>A client of the REST API at <paramref name="baseAddress"/> (JSON bodies, or binary tensor data: <see cref="InferenceClientOptions.BinaryTensorData"/>).</summary>
    /// <param name="baseAddress">The server's HTTP address, such as http://127.0.0.1:8080.</param>
    /// <param name="options">Retries and time limits.</param>
    /// <param name="httpClient">The HttpClient to send with (not disposed by the client); null: one of its own.</param>
    public static IInferenceClient ForHttp(Uri baseAddress, InferenceClientOptions? options = null, HttpClient? httpClient = null) =>
        new Http.HttpInferenceClient(baseAddress, options ?? new InferenceClientOptions(), httpClient);

    /// <summary>A client of the gRPC service at <paramref name="address"/>, such as http://127.0.0.1:8001.</summary>
    public static IInferenceClient ForGrpc(Uri address, InferenceClientOptions? options = null) =>
        new Grpc.GrpcInferenceClient(address, options ?? new InferenceClientOptions());
}
