using Grpc.Core;
using Grpc.Net.Client;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Grpc.Protocol;

namespace InferenceService.Api.Tests.Grpc;

/// <summary>RepositoryModelLoad and RepositoryModelUnload against the real process in explicit control mode.</summary>
public sealed class GrpcRepositoryTests : IDisposable
{
    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddModel("ident", "identity_float.onnx");

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task LoadThenUnload_ExplicitMode_ServesTheModelOnlyInBetween()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = _repository.Root,
            ["ModelRepository__ControlMode"] = "explicit",
            ["Authentication__AnonymousLoopbackManagement"] = "true",
        });
        await service.WaitUntilReadyAsync();
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress!);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        Assert.False((await client.ModelReadyAsync(new ModelReadyRequest { Name = "ident" })).Ready);

        await client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "ident" });
        Assert.True((await client.ModelReadyAsync(new ModelReadyRequest { Name = "ident" })).Ready);
        var index = await client.RepositoryIndexAsync(new RepositoryIndexRequest { Ready = true });
        Assert.Equal("ident", Assert.Single(index.Models).Name);

        await client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "ident" });
        Assert.False((await client.ModelReadyAsync(new ModelReadyRequest { Name = "ident" })).Ready);
    }

    [Fact]
    public async Task ModelInfer_ModelNotLoadedWithAModelLimit_IsLoadedOnDemand()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = _repository.Root,
            ["ModelRepository__ControlMode"] = "explicit",
            ["ModelRepository__MaxLoadedModels"] = "1",
        });
        await service.WaitUntilReadyAsync();
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress!);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var request = new ModelInferRequest { ModelName = "ident" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 1, 3 } };
        input.Contents = new InferTensorContents { Fp32Contents = { 1f, 2f, 3f } };
        request.Inputs.Add(input);

        var response = await client.ModelInferAsync(request);

        var output = Assert.Single(response.RawOutputContents).ToByteArray();
        Assert.Equal(new[] { 1f, 2f, 3f }, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(output).ToArray());
        Assert.True((await client.ModelReadyAsync(new ModelReadyRequest { Name = "ident" })).Ready);
    }

    [Theory]
    [InlineData("../ident")]
    [InlineData("/etc")]
    [InlineData("http://example.invalid/model")]
    public async Task Load_NameOutsideTheRule_IsInvalidArgument(string name)
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = _repository.Root,
            ["ModelRepository__ControlMode"] = "explicit",
            ["Authentication__AnonymousLoopbackManagement"] = "true",
        });
        await service.WaitUntilReadyAsync();
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress!);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = name }));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.DoesNotContain(name, refused.Status.Detail, StringComparison.Ordinal);
    }
}
