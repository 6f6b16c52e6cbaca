using System.Buffers.Binary;
using System.Net;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Grpc.Protocol;

namespace InferenceService.Api.Tests.Grpc;

/// <summary>
/// The classification extension over gRPC against the real process: <c>outputs[].parameters.classification</c>
/// (int64) answers the output with its top N as BYTES "value:index[:label]" in raw_output_contents, the same classes
/// and the same refusals as the REST API.
/// </summary>
[Collection(GrpcServiceCollection.Name)]
public sealed class GrpcClassificationTests(GrpcServiceFixture service)
{
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client = service.Client;

    private static readonly float[] s_irisRows = [5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f];

    [Fact]
    public async Task ModelInfer_ClassificationWithLabels_IsTheTopClassesAsRawBytes()
    {
        var request = Iris(("probabilities", (long?)1), ("label", 5));

        var response = await _client.ModelInferAsync(request);

        Assert.Equal(["probabilities", "label"], response.Outputs.Select(o => o.Name));
        Assert.All(response.Outputs, o => Assert.Equal("BYTES", o.Datatype));
        Assert.Equal([2L, 1L], response.Outputs[0].Shape);
        Assert.Equal([2L], response.Outputs[1].Shape);
        var top = Strings(response.RawOutputContents[0]).Select(e => e.Split(':')).ToArray();
        Assert.Equal(["0", "setosa"], top[0][1..]);
        Assert.Equal(["2", "virginica"], top[1][1..]);
        Assert.Equal(["2:1:versicolor", "0:0:setosa"], Strings(response.RawOutputContents[1]));
    }

    [Fact]
    public async Task ModelInfer_ClassificationOfOneOutput_LeavesTheOtherATensor()
    {
        var response = await _client.ModelInferAsync(Iris(("probabilities", 2), ("label", null)));

        Assert.Equal(("BYTES", "INT64"), (response.Outputs[0].Datatype, response.Outputs[1].Datatype));
        Assert.Equal([2L, 2L], response.Outputs[0].Shape);
        Assert.Equal(16, response.RawOutputContents[1].Length);
    }

    [Fact]
    public async Task ModelInfer_Classification_IsWhatTheRestApiAnswers()
    {
        var overGrpc = await _client.ModelInferAsync(Iris(("probabilities", (long?)3)));
        using var rest = await service.Http.PostJsonTextAsync("/v2/models/iris/infer", """
            { "inputs": [{ "name": "input", "datatype": "FP32", "shape": [2, 4], "data": [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3] }],
              "outputs": [{ "name": "probabilities", "parameters": { "classification": 3 } }] }
            """);

        var body = await ResponseAssert.JsonAsync(rest, HttpStatusCode.OK);
        var restClasses = body.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Equal(restClasses, Strings(overGrpc.RawOutputContents[0]));
    }

    [Theory]
    [InlineData(0L, "Output 'probabilities': parameters.classification must be a whole number of classes, 1 or more.")]
    [InlineData(-2L, "Output 'probabilities': parameters.classification must be a whole number of classes, 1 or more.")]
    public async Task ModelInfer_ClassificationCountNotOneOrMore_IsInvalidArgument(long count, string message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _client.ModelInferAsync(Iris(("probabilities", (long?)count))));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(message, error.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_ClassificationAsText_IsInvalidArgument()
    {
        var request = Iris();
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor
        {
            Name = "probabilities",
            Parameters = { ["classification"] = new InferParameter { StringParam = "2" } },
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _client.ModelInferAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("Output 'probabilities': parameters.classification must be a whole number of classes, 1 or more.", error.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_ClassificationOfText_IsInvalidArgumentWithTheRestMessage()
    {
        var request = new ModelInferRequest { ModelName = "identity_string" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "BYTES", Shape = { 1, 3 }, Contents = new InferTensorContents { BytesContents = { ByteString.CopyFromUtf8("a"), ByteString.CopyFromUtf8("b"), ByteString.CopyFromUtf8("c") } } });
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "y", Parameters = { ["classification"] = new InferParameter { Int64Param = 1 } } });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _client.ModelInferAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("Output 'y' does not hold numbers, so it has no classes to rank: classification needs an output of numbers.", error.Status.Detail);
    }

    /// <summary>Iris on two rows, asking for the outputs given; a null count: the output without the parameter.</summary>
    private static ModelInferRequest Iris(params (string Output, long? Classes)[] outputs)
    {
        var request = new ModelInferRequest { ModelName = "iris" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 2, 4 } });
        request.RawInputContents.Add(GrpcErrorStatusTests.Raw(s_irisRows));
        foreach (var (name, classes) in outputs)
        {
            var output = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = name };
            if (classes is { } count)
            {
                output.Parameters["classification"] = new InferParameter { Int64Param = count };
            }
            request.Outputs.Add(output);
        }
        return request;
    }

    /// <summary>BYTES raw contents: each element a 4-byte little-endian length, then its bytes.</summary>
    private static string[] Strings(ByteString raw)
    {
        var elements = new List<string>();
        var span = raw.Span;
        while (span.Length > 0)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(span);
            elements.Add(Encoding.UTF8.GetString(span.Slice(4, length)));
            span = span[(4 + length)..];
        }
        return [.. elements];
    }
}
