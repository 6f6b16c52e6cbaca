using Grpc.Core;
using InferenceService.Client.Grpc;

namespace InferenceService.Client.Tests;

/// <summary>gRPC status codes as the client's error codes: the same code an HTTP status of the same meaning gives.</summary>
public sealed class GrpcErrorCodeTests
{
    [Theory]
    [InlineData(StatusCode.InvalidArgument, InferenceErrorCode.InvalidArgument)]
    [InlineData(StatusCode.NotFound, InferenceErrorCode.NotFound)]
    [InlineData(StatusCode.Unavailable, InferenceErrorCode.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded, InferenceErrorCode.DeadlineExceeded)]
    [InlineData(StatusCode.AlreadyExists, InferenceErrorCode.Conflict)]
    [InlineData(StatusCode.FailedPrecondition, InferenceErrorCode.Conflict)]
    [InlineData(StatusCode.Unimplemented, InferenceErrorCode.Unimplemented)]
    public void ToException_Status_IsTheCodeOfTheSameMeaning(StatusCode status, InferenceErrorCode expected)
    {
        var error = GrpcInferenceClient.ToException(new RpcException(new Status(status, "why")));

        Assert.Equal(expected, error.Code);
        Assert.Equal("why", error.Message);
    }
}
