using InferenceService.Client;
using InferenceService.LoadGenerator.Load;

namespace InferenceService.LoadGenerator.Tests.Load;

public class GrpcRequestSenderTests
{
    [Fact]
    public void ToRequest_JsonPayload_BecomesTypedTensorsOfTheSameValues()
    {
        var body = """
            { "inputs": [
                { "name": "a", "shape": [2, 2], "datatype": "FP32", "data": [[0.5, -1], [2, 3]] },
                { "name": "b", "shape": [2], "datatype": "INT64", "data": [7, -8] },
                { "name": "c", "shape": [1], "datatype": "BYTES", "data": ["x"] } ],
              "outputs": [{ "name": "y" }] }
            """u8.ToArray();

        var request = GrpcRequestSender.ToRequest("mlp", "2", body);

        Assert.Equal(("mlp", "2"), (request.ModelName, request.ModelVersion));
        Assert.Equal(["y"], request.Outputs);
        Assert.Equal([0.5f, -1f, 2f, 3f], request.Inputs[0].ToArray<float>());
        Assert.Equal([2L, 2L], request.Inputs[0].Shape);
        Assert.Equal([7L, -8L], request.Inputs[1].ToArray<long>());
        Assert.Equal(["x"], request.Inputs[2].ToStrings());
    }

    [Theory]
    [InlineData(InferenceErrorCode.Unavailable, 503)]
    [InlineData(InferenceErrorCode.DeadlineExceeded, 504)]
    [InlineData(InferenceErrorCode.InvalidArgument, 400)]
    [InlineData(InferenceErrorCode.NotFound, 404)]
    [InlineData(InferenceErrorCode.Internal, 500)]
    public void StatusOf_ClientErrorCode_IsTheHttpStatusItStandsFor(InferenceErrorCode code, int status) =>
        Assert.Equal(status, GrpcRequestSender.StatusOf(code));
}
