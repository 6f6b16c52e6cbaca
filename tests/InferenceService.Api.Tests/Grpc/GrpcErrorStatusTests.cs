using System.Net;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Grpc.Protocol;

namespace InferenceService.Api.Tests.Grpc;

/// <summary>
/// Every error status the gRPC service answers, against the real process: InvalidArgument (with every problem at
/// once, in the REST API's words), NotFound, Unavailable with retry trailers, DeadlineExceeded, Unimplemented.
/// </summary>
[Collection(GrpcServiceCollection.Name)]
public sealed class GrpcErrorStatusTests(GrpcServiceFixture service)
{
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client = service.Client;

    [Fact]
    public async Task ModelInfer_UnknownModel_IsNotFoundWithTheRestMessage()
    {
        var error = await InferErrorAsync(Request("nope", "FP32", [1, 3], Raw<float>([1, 2, 3])));
        using var rest = await service.Http.PostJsonTextAsync("/v2/models/nope/infer", "{}");

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        await ResponseAssert.ProtocolErrorAsync(rest, HttpStatusCode.NotFound, error.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_UnknownVersion_IsNotFound()
    {
        var request = Request("iris", "FP32", [1, 4], Raw<float>([1, 2, 3, 4]));
        request.ModelVersion = "9";

        var error = await InferErrorAsync(request);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("9", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetadataReadyAndConfig_UnknownModel_AreNotFound()
    {
        var metadata = await Assert.ThrowsAsync<RpcException>(async () => await _client.ModelMetadataAsync(new ModelMetadataRequest { Name = "nope" }));
        var ready = await Assert.ThrowsAsync<RpcException>(async () => await _client.ModelReadyAsync(new ModelReadyRequest { Name = "nope" }));
        var config = await Assert.ThrowsAsync<RpcException>(async () => await _client.ModelConfigAsync(new ModelConfigRequest { Name = "nope" }));
        var stats = await Assert.ThrowsAsync<RpcException>(async () => await _client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "nope" }));

        Assert.All(new[] { metadata, ready, config, stats }, e => Assert.Equal(StatusCode.NotFound, e.StatusCode));
        Assert.Equal("Model 'nope' is not in the repository.", metadata.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_NoModelName_IsInvalidArgument()
    {
        var error = await InferErrorAsync(Request("", "FP32", [1, 3], Raw<float>([1, 2, 3])));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("model_name", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelInfer_WrongDatatypeAndShape_IsInvalidArgumentWithEveryProblemAsOverHttp()
    {
        var error = await InferErrorAsync(Request("identity_float", "INT32", [2, 4], Raw<int>([1, 2, 3, 4, 5, 6, 7, 8])));
        using var rest = await service.Http.PostJsonTextAsync("/v2/models/identity_float/infer",
            """{ "inputs": [{ "name": "x", "datatype": "INT32", "shape": [2, 4], "data": [1, 2, 3, 4, 5, 6, 7, 8] }] }""");

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("expects FP32, got INT32", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("dimension 1 must be 3, got 4", error.Status.Detail, StringComparison.Ordinal);
        await ResponseAssert.ProtocolErrorAsync(rest, HttpStatusCode.BadRequest, error.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_RawBytesThatDoNotFitTheShape_IsInvalidArgument()
    {
        var error = await InferErrorAsync(Request("identity_float", "FP32", [2, 3], Raw<float>([1, 2, 3, 4, 5])));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("24 bytes", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("20 bytes", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelInfer_RawContentsForFewerInputsThanGiven_IsInvalidArgument()
    {
        var request = Request("identity_float", "FP32", [1, 3], Raw<float>([1, 2, 3]));
        request.RawInputContents.Add(ByteString.Empty);

        var error = await InferErrorAsync(request);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("raw_input_contents has 2 entries but the request has 1 inputs", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelInfer_TypedContentsOfTheWrongCountOrField_IsInvalidArgument()
    {
        var count = await InferErrorAsync(Typed("identity_float", "FP32", [2, 3], new InferTensorContents { Fp32Contents = { 1, 2, 3 } }));
        var field = await InferErrorAsync(Typed("identity_float", "FP32", [1, 3], new InferTensorContents { Fp64Contents = { 1, 2, 3 } }));
        var range = await InferErrorAsync(Typed("identity_int8", "INT8", [1, 3], new InferTensorContents { IntContents = { 1, 300, 3 } }));
        var half = await InferErrorAsync(Typed("identity_float16", "FP16", [1, 3], new InferTensorContents { Fp32Contents = { 1, 2, 3 } }));

        Assert.All(new[] { count, field, range, half }, e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.Equal("Input 'x' has shape [2, 3], which holds 6 elements, but contents.fp32_contents has 3.", count.Status.Detail);
        Assert.Equal("Input 'x' is FP32: its elements go in contents.fp32_contents, and only there.", field.Status.Detail);
        Assert.Equal("Input 'x' element 1: 300 is out of range for INT8 (-128..127).", range.Status.Detail);
        Assert.Equal("Input 'x' is FP16, which has no typed contents field: send it in raw_input_contents.", half.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_QueueFull_IsUnavailableWithRetryTrailers()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // One instance, a queue of one: of three requests at once, one runs, one waits and at least one is refused.
        var calls = Enumerable.Range(0, 3).Select(_ => _client.ModelInferAsync(Slow("slow_queue"), cancellationToken: stop.Token)).ToArray();
        try
        {
            var refused = await FirstErrorAsync(calls, StatusCode.Unavailable);

            Assert.Contains("queue", refused.Status.Detail, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("1", refused.Trailers.GetValue("retry-after"));
            Assert.Equal("1000", refused.Trailers.GetValue("grpc-retry-pushback-ms"));
        }
        finally
        {
            await stop.CancelAsync();
            await DrainAsync(calls);
        }
    }

    [Fact]
    public async Task ModelInfer_QueueTimeoutParameterPasses_IsDeadlineExceeded()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Four at once on one instance: whichever runs first, at least two of the three asking for a 1 ms queue
        // timeout wait behind it and time out.
        var calls = new[] { _client.ModelInferAsync(Slow("slow_timeout"), cancellationToken: stop.Token) }
            .Concat(Enumerable.Range(0, 3).Select(_ =>
            {
                var request = Slow("slow_timeout");
                request.Parameters["timeout"] = new InferParameter { Int64Param = 1000 };
                return _client.ModelInferAsync(request, cancellationToken: stop.Token);
            }))
            .ToArray();
        try
        {
            var timedOut = await FirstErrorAsync(calls, StatusCode.DeadlineExceeded);

            Assert.False(string.IsNullOrEmpty(timedOut.Status.Detail));
        }
        finally
        {
            await stop.CancelAsync();
            await DrainAsync(calls);
        }
    }

    [Fact]
    public async Task ModelInfer_CallDeadlinePasses_IsDeadlineExceeded()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await _client.ModelInferAsync(Endless(), deadline: DateTime.UtcNow.AddMilliseconds(200)));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        // The server is still there for the next call: the cancelled Run did not take it down.
        Assert.True((await _client.ServerLiveAsync(new ServerLiveRequest())).Live);
    }

    private async Task<RpcException> InferErrorAsync(ModelInferRequest request) =>
        await Assert.ThrowsAsync<RpcException>(async () => await _client.ModelInferAsync(request));

    /// <summary>The first of the calls to fail with <paramref name="code"/>; fails the test when none does.</summary>
    private static async Task<RpcException> FirstErrorAsync(AsyncUnaryCall<ModelInferResponse>[] calls, StatusCode code)
    {
        var pending = calls.Select(c => c.ResponseAsync).ToList();
        var seen = new List<string>();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (done.Exception?.InnerException is RpcException error)
            {
                if (error.StatusCode == code)
                {
                    return error;
                }
                seen.Add(error.StatusCode.ToString());
            }
            else
            {
                seen.Add("OK");
            }
        }
        Assert.Fail($"No call failed with {code}; they ended {string.Join(", ", seen)}.");
        return null!;
    }

    private static async Task DrainAsync(AsyncUnaryCall<ModelInferResponse>[] calls)
    {
        foreach (var call in calls)
        {
            try
            {
                await call.ResponseAsync;
            }
            catch (RpcException)
            {
            }
            call.Dispose();
        }
    }

    private static ModelInferRequest Slow(string model)
    {
        var n = GrpcServiceFixture.SlowSize;
        var values = new float[n * n];
        Array.Fill(values, 0.001f);
        return Request(model, "FP32", [n, n], Raw<float>(values));
    }

    /// <summary>A request to the spin model that ends only when the server terminates its Run, however fast the machine.</summary>
    private static ModelInferRequest Endless()
    {
        var request = Request("spin", "FP32", [1, 4], Raw(new float[4]));
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "steps", Datatype = "INT64", Shape = { 1, 1 } });
        request.RawInputContents.Add(Raw(new[] { long.MaxValue }));
        return request;
    }

    internal static ByteString Raw<T>(T[] values) where T : unmanaged => ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));

    internal static ModelInferRequest Request(string model, string datatype, long[] shape, ByteString raw)
    {
        var request = new ModelInferRequest { ModelName = model };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = datatype, Shape = { shape } });
        request.RawInputContents.Add(raw);
        return request;
    }

    internal static ModelInferRequest Typed(string model, string datatype, long[] shape, InferTensorContents contents)
    {
        var request = new ModelInferRequest { ModelName = model };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = datatype, Shape = { shape }, Contents = contents });
        return request;
    }
}
