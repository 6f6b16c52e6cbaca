using Grpc.Core;
using Grpc.Net.Client;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Grpc.Protocol;

namespace InferenceService.Api.Tests.Security;

/// <summary>API keys and scopes on the real gRPC methods of the real process: the same rules as over HTTP.</summary>
public sealed class GrpcScopeTests : IAsyncLifetime
{
    private const string InferKey = "grpc-infer-key-0123456789";
    private const string ManageKey = "grpc-manage-key-0123456789";

    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddModel("ident", "identity_float.onnx");
    private ServiceProcess? _service;
    private GrpcChannel? _channel;

    private GRPCInferenceService.GRPCInferenceServiceClient Client => new(_channel!);

    public async Task InitializeAsync()
    {
        _service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = _repository.Root,
            ["Authentication__AnonymousLoopbackManagement"] = "false",
            ["Authentication__ApiKeys__0__Id"] = "app",
            ["Authentication__ApiKeys__0__Key"] = InferKey,
            ["Authentication__ApiKeys__0__Scopes__0"] = "infer",
            ["Authentication__ApiKeys__1__Id"] = "ops",
            ["Authentication__ApiKeys__1__Key"] = ManageKey,
            ["Authentication__ApiKeys__1__Scopes__0"] = "manage",
        });
        await _service.WaitUntilReadyAsync();
        _channel = GrpcChannel.ForAddress(_service.GrpcAddress!);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
        _repository.Dispose();
    }

    private static Metadata Bearer(string key) => new() { { "authorization", $"Bearer {key}" } };

    private static ModelInferRequest Identity()
    {
        var request = new ModelInferRequest { ModelName = "ident" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "x",
            Datatype = "FP32",
            Shape = { 1, 3 },
            Contents = new InferTensorContents { Fp32Contents = { 1f, 2f, 3f } },
        });
        return request;
    }

    [Fact]
    public async Task ModelInfer_NoKey_IsUnauthenticated()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await Client.ModelInferAsync(Identity()));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task ModelInfer_UnknownKey_IsUnauthenticatedAndDoesNotEchoTheKey()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await Client.ModelInferAsync(Identity(), Bearer("not-a-key-9876")));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.DoesNotContain("not-a-key-9876", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelInfer_KeyWithInfer_Answers()
    {
        var response = await Client.ModelInferAsync(Identity(), Bearer(InferKey));

        Assert.Single(response.RawOutputContents);
    }

    [Fact]
    public async Task ModelInfer_KeyWithoutInfer_IsPermissionDeniedNamingTheScope()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await Client.ModelInferAsync(Identity(), Bearer(ManageKey)));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("infer", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepositoryIndex_InferKey_IsPermissionDeniedAndManageKeyAnswers()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await Client.RepositoryIndexAsync(new RepositoryIndexRequest(), Bearer(InferKey)));
        var index = await Client.RepositoryIndexAsync(new RepositoryIndexRequest(), Bearer(ManageKey));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("manage", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("ident", Assert.Single(index.Models).Name);
    }

    [Fact]
    public async Task ModelStatistics_InferKey_IsPermissionDenied()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await Client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "ident" }, Bearer(InferKey)));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("metrics", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerLiveAndReady_NoKey_AreOpenForProbes()
    {
        Assert.True((await Client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await Client.ServerReadyAsync(new ServerReadyRequest())).Ready);
    }
}
