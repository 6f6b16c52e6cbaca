using System.Diagnostics;
using System.Text.Json;
using InferenceService.Client;
using InferenceService.LoadGenerator.Cli;
using InferenceService.LoadGenerator.Measurement;
using InferenceService.LoadGenerator.Payload;

namespace InferenceService.LoadGenerator.Load;

/// <summary>
/// Sends the run's request over gRPC with the C# client: the JSON payload is turned into typed tensors once, each
/// request carries them as raw contents. The client's own retries are off (a refusal is a measurement), and each
/// outcome is recorded under the HTTP status it stands for (Unavailable as 503 with Retry-After, DeadlineExceeded as
/// 504, …), so the reports read the same for both protocols.
/// </summary>
internal sealed class GrpcRequestSender(IInferenceClient client, InferRequest request) : IRequestSender, IDisposable
{
    public static GrpcRequestSender Create(RunOptions options, InferPayload payload)
    {
        if (payload.HeaderLength is not null)
        {
            throw new LoadSetupException("A --payload in the binary tensor data layout is HTTP's; give a JSON payload for --protocol grpc (its tensors go as raw contents anyway).");
        }
        var client = InferenceClient.ForGrpc(options.GrpcUrl, new InferenceClientOptions { MaxRetries = 0, Timeout = options.RequestTimeout });
        return new GrpcRequestSender(client, ToRequest(options.Model, options.Version, payload.Body));
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

    public void Dispose() => client.Dispose();

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
