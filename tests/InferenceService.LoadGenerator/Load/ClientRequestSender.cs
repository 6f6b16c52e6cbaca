using System.Diagnostics;
using System.Text.Json;
using InferenceService.Client;
using InferenceService.LoadGenerator.Cli;
using InferenceService.LoadGenerator.Measurement;
using InferenceService.LoadGenerator.Payload;

namespace InferenceService.LoadGenerator.Load;

/// <summary>
/// Sends the run's request with the C# client: over gRPC (<c>--protocol grpc</c>, tensors as raw contents) or over
/// HTTP in the binary tensor data layout (<c>--binary</c>). The JSON payload is turned into typed tensors once; the
/// client lays each request out as its transport wants. The client's own retries are off (a refusal is a
/// measurement), and each outcome is recorded under the HTTP status it stands for (Unavailable as 503 with
/// Retry-After, DeadlineExceeded as 504, …), so the reports read the same for every transport.
/// </summary>
internal sealed class ClientRequestSender(IInferenceClient client, InferRequest request, HttpClient? ownedHttp = null) : IRequestSender, IDisposable
{
    /// <summary>The request the client sends.</summary>
    public InferRequest Request => request;

    /// <summary>
    /// The sender of a run that goes through the client (gRPC, or HTTP with <c>--binary</c> and a JSON payload); null
    /// for a run that sends its payload's bytes as they are (JSON, or a --payload file already in the binary layout).
    /// </summary>
    public static ClientRequestSender? TryCreate(RunOptions options, InferPayload payload, HttpMessageHandler? handler = null)
    {
        var clientOptions = new InferenceClientOptions { MaxRetries = 0, Timeout = options.RequestTimeout, BinaryTensorData = true };
        if (options.Protocol == LoadProtocol.Grpc)
        {
            if (payload.HeaderLength is not null)
            {
                throw new LoadSetupException("A --payload in the binary tensor data layout is HTTP's; give a JSON payload for --protocol grpc (its tensors go as raw contents anyway).");
            }
            return new ClientRequestSender(InferenceClient.ForGrpc(options.GrpcUrl, clientOptions with { GrpcConnections = options.GrpcConnections }), ToRequest(options.Model, options.Version, payload.Body));
        }
        if (!options.Binary || payload.HeaderLength is not null)
        {
            return null;
        }
        // A client of its own: the run's HttpClient has sent requests already, and the client sets its base address.
        var http = handler is null
            ? LoopbackHttpClient.Create(options.ConnectionLimit, Timeout.InfiniteTimeSpan)
            : new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        http.BaseAddress = options.BaseUrl;
        return new ClientRequestSender(InferenceClient.ForHttp(options.BaseUrl, clientOptions, http), ToRequest(options.Model, options.Version, payload.Body), http);
    }

    public async Task SendAsync(StepRecorder recorder, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await client.InferAsync(request, cancellationToken).ConfigureAwait(false);
            recorder.RecordAnswer(200, StepRecorder.Since(start), hasRetryAfter: false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (InferenceClientException e) when (e.InnerException is global::Grpc.Core.RpcException { Status.DebugException: not null } rpc)
        {
            // No answer from the server (refused connection, reset stream): a transport error, as over HTTP.
            recorder.RecordTransportError("grpc_" + rpc.StatusCode.ToString().ToLowerInvariant());
        }
        catch (InferenceClientException e)
        {
            recorder.RecordAnswer(StatusOf(e.Code), StepRecorder.Since(start), e.RetryAfter is not null);
        }
    }

    public void Dispose()
    {
        client.Dispose();
        ownedHttp?.Dispose();
    }

    internal static int StatusOf(InferenceErrorCode code) => code switch
    {
        InferenceErrorCode.InvalidArgument => 400,
        InferenceErrorCode.Unauthenticated => 401,
        InferenceErrorCode.PermissionDenied => 403,
        InferenceErrorCode.NotFound => 404,
        InferenceErrorCode.Conflict => 409,
        InferenceErrorCode.ResourceExhausted => 429,
        InferenceErrorCode.Unimplemented => 501,
        InferenceErrorCode.Unavailable => 503,
        InferenceErrorCode.DeadlineExceeded => 504,
        _ => 500,
    };

    /// <summary>An Open Inference Protocol JSON infer body (generated or the user's) as the client's request.</summary>
    internal static InferRequest ToRequest(string model, string? version, byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var inputs = document.RootElement.GetProperty("inputs").EnumerateArray().Select(ToTensor).ToArray();
        var outputs = document.RootElement.TryGetProperty("outputs", out var wanted)
            ? wanted.EnumerateArray().Select(o => o.GetProperty("name").GetString()!).ToArray()
            : [];
        return new InferRequest(model, inputs) { ModelVersion = version, Outputs = outputs };
    }

    private static InferTensor ToTensor(JsonElement input)
    {
        var name = input.GetProperty("name").GetString()!;
        var shape = input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        var values = Flatten(input.GetProperty("data")).ToArray();
        return input.GetProperty("datatype").GetString() switch
        {
            "BOOL" => InferTensor.FromArray(name, values.Select(v => v.GetBoolean()).ToArray(), shape),
            "UINT8" => InferTensor.FromArray(name, values.Select(v => v.GetByte()).ToArray(), shape),
            "UINT16" => InferTensor.FromArray(name, values.Select(v => v.GetUInt16()).ToArray(), shape),
            "UINT32" => InferTensor.FromArray(name, values.Select(v => v.GetUInt32()).ToArray(), shape),
            "UINT64" => InferTensor.FromArray(name, values.Select(v => v.GetUInt64()).ToArray(), shape),
            "INT8" => InferTensor.FromArray(name, values.Select(v => v.GetSByte()).ToArray(), shape),
            "INT16" => InferTensor.FromArray(name, values.Select(v => v.GetInt16()).ToArray(), shape),
            "INT32" => InferTensor.FromArray(name, values.Select(v => v.GetInt32()).ToArray(), shape),
            "INT64" => InferTensor.FromArray(name, values.Select(v => v.GetInt64()).ToArray(), shape),
            "FP16" => InferTensor.FromArray(name, values.Select(v => (Half)v.GetDouble()).ToArray(), shape),
            "BF16" => InferTensor.FromArray(name, values.Select(v => BFloat16.FromSingle(v.GetSingle())).ToArray(), shape),
            "FP32" => InferTensor.FromArray(name, values.Select(v => v.GetSingle()).ToArray(), shape),
            "FP64" => InferTensor.FromArray(name, values.Select(v => v.GetDouble()).ToArray(), shape),
            "BYTES" => InferTensor.FromStrings(name, values.Select(v => v.GetString() ?? "").ToArray(), shape),
            var other => throw new FormatException($"Input '{name}' has datatype \"{other}\", which the protocol does not have."),
        };
    }

    private static IEnumerable<JsonElement> Flatten(JsonElement data) =>
        data.ValueKind == JsonValueKind.Array ? data.EnumerateArray().SelectMany(Flatten) : [data];
}
