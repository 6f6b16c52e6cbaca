using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using InferenceService.Grpc.Protocol;

namespace InferenceService.Client.Grpc;

/// <summary>
/// The client over gRPC (<c>inference.GRPCInferenceService</c>): inputs go as <c>raw_input_contents</c> (every
/// datatype, FP16 and BF16 included, with no conversion), outputs are read from <c>raw_output_contents</c> (or typed
/// contents, from a server that sends those). Status codes map onto <see cref="InferenceErrorCode"/>; the retry wait
/// comes from the <c>retry-after</c> or <c>grpc-retry-pushback-ms</c> trailer.
/// </summary>
internal sealed class GrpcInferenceClient : IInferenceClient
{
    private readonly GrpcChannel[] _channels;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient[] _clients;
    private readonly InferenceClientOptions _options;
    private int _next;

    public GrpcInferenceClient(Uri address, InferenceClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GrpcConnections, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.GrpcConnections, 64, nameof(options));
        _options = options;
        // A channel per connection: each has a handler of its own, so each opens one HTTP/2 connection.
        _channels = new GrpcChannel[options.GrpcConnections];
        _clients = new GRPCInferenceService.GRPCInferenceServiceClient[options.GrpcConnections];
        for (var i = 0; i < _channels.Length; i++)
        {
            _channels[i] = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                MaxReceiveMessageSize = null,
                MaxSendMessageSize = null,
                HttpHandler = Handler(),
                DisposeHttpClient = true,
            });
            _clients[i] = new GRPCInferenceService.GRPCInferenceServiceClient(_channels[i]);
        }
    }

    /// <summary>The next connection's stub, round robin.</summary>
    private GRPCInferenceService.GRPCInferenceServiceClient Next =>
        _clients.Length == 1 ? _clients[0] : _clients[(int)((uint)Interlocked.Increment(ref _next) % (uint)_clients.Length)];

    /// <summary>
    /// The HTTP/2 connection's settings: a receive window as large as the server's (768 KiB per stream, so a large
    /// output arrives without waiting for window updates), kept alive between calls, and a second connection opened
    /// when the server's stream limit is reached rather than calls queued behind it.
    /// </summary>
    private static SocketsHttpHandler Handler() => new()
    {
        EnableMultipleHttp2Connections = true,
        InitialHttp2StreamWindowSize = 768 * 1024,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
    };

    public Task<bool> ServerLiveAsync(CancellationToken cancellationToken = default) =>
        CallAsync(async (options) => (await Next.ServerLiveAsync(new ServerLiveRequest(), options)).Live, cancellationToken);

    public Task<bool> ServerReadyAsync(CancellationToken cancellationToken = default) =>
        CallAsync(async (options) => (await Next.ServerReadyAsync(new ServerReadyRequest(), options)).Ready, cancellationToken);

    public Task<bool> ModelReadyAsync(string model, string? version = null, CancellationToken cancellationToken = default) =>
        CallAsync(async (options) => (await Next.ModelReadyAsync(new ModelReadyRequest { Name = model, Version = version ?? "" }, options)).Ready, cancellationToken);

    public Task<ServerMetadata> ServerMetadataAsync(CancellationToken cancellationToken = default) =>
        CallAsync(async (options) =>
        {
            var reply = await Next.ServerMetadataAsync(new ServerMetadataRequest(), options);
            return new ServerMetadata(reply.Name, reply.Version, [.. reply.Extensions]);
        }, cancellationToken);

    public Task<ModelMetadata> ModelMetadataAsync(string model, string? version = null, CancellationToken cancellationToken = default) =>
        CallAsync(async (options) =>
        {
            var reply = await Next.ModelMetadataAsync(new ModelMetadataRequest { Name = model, Version = version ?? "" }, options);
            return new ModelMetadata(reply.Name, [.. reply.Versions], reply.Platform,
                reply.Inputs.Select(t => new TensorMetadata(t.Name, t.Datatype, [.. t.Shape])).ToArray(),
                reply.Outputs.Select(t => new TensorMetadata(t.Name, t.Datatype, [.. t.Shape])).ToArray());
        }, cancellationToken);

    public Task<InferResult> InferAsync(InferRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = ToMessage(request);
        return CallAsync(async (options) => FromMessage(await Next.ModelInferAsync(message, options)), cancellationToken);
    }

    public Task<IReadOnlyList<RepositoryModel>> RepositoryIndexAsync(bool readyOnly = false, CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<RepositoryModel>>(async (options) =>
        {
            var reply = await Next.RepositoryIndexAsync(new RepositoryIndexRequest { Ready = readyOnly }, options);
            return reply.Models.Select(m => new RepositoryModel(m.Name, m.Version, m.State, string.IsNullOrEmpty(m.Reason) ? null : m.Reason)).ToArray();
        }, cancellationToken);

    public Task<IReadOnlyList<ModelStatistics>> ModelStatisticsAsync(string? model = null, string? version = null, CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<ModelStatistics>>(async (options) =>
        {
            var reply = await Next.ModelStatisticsAsync(new ModelStatisticsRequest { Name = model ?? "", Version = version ?? "" }, options);
            return reply.ModelStats.Select(ToStatistics).ToArray();
        }, cancellationToken);

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    internal static ModelInferRequest ToMessage(InferRequest request)
    {
        var message = new ModelInferRequest { ModelName = request.ModelName, ModelVersion = request.ModelVersion ?? "", Id = request.Id ?? "" };
        foreach (var input in request.Inputs)
        {
            message.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = input.Name, Datatype = input.Datatype.ToName(), Shape = { input.Shape } });
            message.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(input.RawData));
        }
        foreach (var output in request.RequestedOutputs())
        {
            var requested = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = output };
            if (request.ClassificationOf(output) is var classes and > 0)
            {
                requested.Parameters["classification"] = new InferParameter { Int64Param = classes };
            }
            message.Outputs.Add(requested);
        }
        if (request.QueueTimeout is { } timeout)
        {
            message.Parameters["timeout"] = new InferParameter { Int64Param = Math.Max(1, (long)timeout.TotalMicroseconds) };
        }
        return message;
    }

    internal static InferResult FromMessage(ModelInferResponse response)
    {
        var outputs = new InferTensor[response.Outputs.Count];
        for (var i = 0; i < outputs.Length; i++)
        {
            var output = response.Outputs[i];
            var datatype = TensorDatatypes.Parse(output.Datatype);
            var shape = output.Shape.ToArray();
            outputs[i] = i < response.RawOutputContents.Count
                ? InferTensor.FromRaw(output.Name, datatype, shape, response.RawOutputContents[i].Span)
                : FromContents(output.Name, datatype, shape, output.Contents ?? new InferTensorContents());
        }
        return new InferResult(response.ModelName, response.ModelVersion, response.Id, outputs);
    }

    /// <summary>An output a server sent in typed contents rather than raw (Triton's servers may, for some clients).</summary>
    private static InferTensor FromContents(string name, TensorDatatype datatype, long[] shape, InferTensorContents c) => datatype switch
    {
        TensorDatatype.Bool => InferTensor.FromArray(name, c.BoolContents.ToArray(), shape),
        TensorDatatype.Int8 => InferTensor.FromArray(name, c.IntContents.Select(v => (sbyte)v).ToArray(), shape),
        TensorDatatype.Int16 => InferTensor.FromArray(name, c.IntContents.Select(v => (short)v).ToArray(), shape),
        TensorDatatype.Int32 => InferTensor.FromArray(name, c.IntContents.ToArray(), shape),
        TensorDatatype.Int64 => InferTensor.FromArray(name, c.Int64Contents.ToArray(), shape),
        TensorDatatype.UInt8 => InferTensor.FromArray(name, c.UintContents.Select(v => (byte)v).ToArray(), shape),
        TensorDatatype.UInt16 => InferTensor.FromArray(name, c.UintContents.Select(v => (ushort)v).ToArray(), shape),
        TensorDatatype.UInt32 => InferTensor.FromArray(name, c.UintContents.ToArray(), shape),
        TensorDatatype.UInt64 => InferTensor.FromArray(name, c.Uint64Contents.ToArray(), shape),
        TensorDatatype.Fp32 => InferTensor.FromArray(name, c.Fp32Contents.ToArray(), shape),
        TensorDatatype.Fp64 => InferTensor.FromArray(name, c.Fp64Contents.ToArray(), shape),
        TensorDatatype.Bytes => InferTensor.FromElements(name, shape, c.BytesContents.Select(b => b.ToByteArray()).ToArray()),
        _ => throw new InferenceClientException(InferenceErrorCode.Internal, $"Output '{name}' is {datatype.ToName()} but came without raw contents."),
    };

    private static ModelStatistics ToStatistics(InferenceService.Grpc.Protocol.ModelStatistics s) => new(
        s.Name, s.Version, (long)s.LastInference, (long)s.InferenceCount, (long)s.ExecutionCount,
        new InferStatistics(Of(s.InferenceStats?.Success), Of(s.InferenceStats?.Fail), Of(s.InferenceStats?.Queue),
            Of(s.InferenceStats?.ComputeInput), Of(s.InferenceStats?.ComputeInfer), Of(s.InferenceStats?.ComputeOutput)),
        s.BatchStats.Select(b => new BatchStatistics((long)b.BatchSize, Of(b.ComputeInput), Of(b.ComputeInfer), Of(b.ComputeOutput))).ToArray());

    private static StatisticDuration Of(InferenceService.Grpc.Protocol.StatisticDuration? d) => new((long)(d?.Count ?? 0), (long)(d?.Ns ?? 0));

    private Task<T> CallAsync<T>(Func<CallOptions, Task<T>> call, CancellationToken cancellationToken) =>
        Retries.RunAsync(_options, async (deadline, token) =>
        {
            try
            {
                return await call(new CallOptions(deadline: deadline, cancellationToken: token)).ConfigureAwait(false);
            }
            catch (RpcException e) when (token.IsCancellationRequested)
            {
                // The caller's cancellation (or the client's own time limit): reported as cancellation, not a status.
                throw new OperationCanceledException(e.Status.Detail, e, token);
            }
            catch (RpcException e)
            {
                throw ToException(e);
            }
        }, cancellationToken);

    internal static InferenceClientException ToException(RpcException e)
    {
        var code = e.StatusCode switch
        {
            StatusCode.InvalidArgument or StatusCode.OutOfRange => InferenceErrorCode.InvalidArgument,
            StatusCode.NotFound => InferenceErrorCode.NotFound,
            StatusCode.Unavailable => InferenceErrorCode.Unavailable,
            StatusCode.DeadlineExceeded => InferenceErrorCode.DeadlineExceeded,
            StatusCode.ResourceExhausted => InferenceErrorCode.ResourceExhausted,
            StatusCode.Unauthenticated => InferenceErrorCode.Unauthenticated,
            StatusCode.PermissionDenied => InferenceErrorCode.PermissionDenied,
            // FailedPrecondition: the server's state forbids the call (HTTP's 409), as AlreadyExists and Aborted do.
            StatusCode.AlreadyExists or StatusCode.Aborted or StatusCode.FailedPrecondition => InferenceErrorCode.Conflict,
            StatusCode.Unimplemented => InferenceErrorCode.Unimplemented,
            StatusCode.Cancelled => InferenceErrorCode.Cancelled,
            _ => InferenceErrorCode.Internal,
        };
        return new InferenceClientException(code, string.IsNullOrEmpty(e.Status.Detail) ? e.StatusCode.ToString() : e.Status.Detail, e)
        {
            RetryAfter = RetryAfterOf(e.Trailers),
        };
    }

    private static TimeSpan? RetryAfterOf(Metadata trailers)
    {
        if (trailers.GetValue("grpc-retry-pushback-ms") is { } ms && long.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }
        return trailers.GetValue("retry-after") is { } seconds && long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s)
            ? TimeSpan.FromSeconds(s)
            : null;
    }
}
