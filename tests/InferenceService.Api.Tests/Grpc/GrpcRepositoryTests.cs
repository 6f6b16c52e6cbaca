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
