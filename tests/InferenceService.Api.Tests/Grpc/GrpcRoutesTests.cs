using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using InferenceService.Grpc.Protocol;

namespace InferenceService.Api.Tests.Grpc;

/// <summary>Every method of <c>inference.GRPCInferenceService</c>, health checking and reflection, against the real process.</summary>
[Collection(GrpcServiceCollection.Name)]
public sealed class GrpcRoutesTests(GrpcServiceFixture service)
{
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client = service.Client;

    [Fact]
    public async Task ServerLiveAndReady_ReadyServer_AreTrue()
    {
        Assert.True((await _client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await _client.ServerReadyAsync(new ServerReadyRequest())).Ready);
    }

    [Fact]
    public async Task ModelReady_KnownModelAndVersion_IsTrue()
    {
        Assert.True((await _client.ModelReadyAsync(new ModelReadyRequest { Name = "iris" })).Ready);
        Assert.True((await _client.ModelReadyAsync(new ModelReadyRequest { Name = "iris", Version = "1" })).Ready);
    }

    [Fact]
    public async Task ServerMetadata_ListsNameVersionAndExtensions()
    {
        var metadata = await _client.ServerMetadataAsync(new ServerMetadataRequest());

        Assert.Equal("inference-service", metadata.Name);
        Assert.False(string.IsNullOrEmpty(metadata.Version));
        Assert.Equal(["classification", "model_repository", "statistics", "model_configuration"], metadata.Extensions);
    }

    [Fact]
    public async Task ModelMetadata_Iris_MatchesTheRestAnswer()
    {
        var metadata = await _client.ModelMetadataAsync(new ModelMetadataRequest { Name = "iris" });
        using var rest = System.Text.Json.JsonDocument.Parse(await service.Http.GetStringAsync("/v2/models/iris"));
        var expected = rest.RootElement;

        Assert.Equal("iris", metadata.Name);
        Assert.Equal(expected.GetProperty("platform").GetString(), metadata.Platform);
        Assert.Equal(expected.GetProperty("versions").EnumerateArray().Select(v => v.GetString()), metadata.Versions);
        Assert.Equal(
            expected.GetProperty("inputs").EnumerateArray().Select(i => $"{i.GetProperty("name").GetString()} {i.GetProperty("datatype").GetString()} [{string.Join(",", i.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()))}]"),
            metadata.Inputs.Select(i => $"{i.Name} {i.Datatype} [{string.Join(",", i.Shape)}]"));
        Assert.Equal(
            expected.GetProperty("outputs").EnumerateArray().Select(i => i.GetProperty("name").GetString()),
            metadata.Outputs.Select(o => o.Name));
    }

    [Fact]
    public async Task ModelInfer_IrisRawInput_ReturnsRawOutputsAndTheRequestId()
    {
        var request = new ModelInferRequest { ModelName = "iris", Id = "grpc-1" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 2, 4 } });
        request.RawInputContents.Add(ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes<float>([5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f])));
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "label" });

        using var call = _client.ModelInferAsync(request);
        var response = await call;

        Assert.Equal("iris", response.ModelName);
        Assert.Equal("2", response.ModelVersion);
        Assert.Equal("grpc-1", response.Id);
        var output = Assert.Single(response.Outputs);
        Assert.Equal(("label", "INT64"), (output.Name, output.Datatype));
        Assert.Equal([2L], output.Shape);
        Assert.Null(output.Contents);
        Assert.Equal([0L, 2L], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(Assert.Single(response.RawOutputContents).Span).ToArray());
        Assert.Equal("grpc-1", (await call.ResponseHeadersAsync).GetValue("x-prediction-id"));
    }

    [Fact]
    public async Task ModelInfer_IrisTypedContents_GiveTheSameOutputsAsRaw()
    {
        var typed = new ModelInferRequest { ModelName = "iris", ModelVersion = "1" };
        typed.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "input",
            Datatype = "FP32",
            Shape = { 1, 4 },
            Contents = new InferTensorContents { Fp32Contents = { 5.1f, 3.5f, 1.4f, 0.2f } },
        });
        var raw = new ModelInferRequest { ModelName = "iris", ModelVersion = "1" };
        raw.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1, 4 } });
        raw.RawInputContents.Add(ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes<float>([5.1f, 3.5f, 1.4f, 0.2f])));

        var fromTyped = await _client.ModelInferAsync(typed);
        var fromRaw = await _client.ModelInferAsync(raw);

        Assert.Equal("1", fromTyped.ModelVersion);
        Assert.Equal(fromRaw.Outputs.Select(o => (o.Name, o.Datatype, string.Join(",", o.Shape))), fromTyped.Outputs.Select(o => (o.Name, o.Datatype, string.Join(",", o.Shape))));
        Assert.Equal(fromRaw.RawOutputContents, fromTyped.RawOutputContents);
        Assert.NotEqual(fromTyped.Id, fromRaw.Id);
    }

    [Fact]
    public async Task ModelConfig_Iris_IsTheEffectiveConfigInTritonsForm()
    {
        var config = (await _client.ModelConfigAsync(new ModelConfigRequest { Name = "iris" })).Config;

        Assert.Equal("iris", config.Name);
        Assert.Equal("onnxruntime_onnx", config.Platform);
        Assert.Equal("onnxruntime", config.Backend);
        var input = Assert.Single(config.Input);
        Assert.Equal(("input", DataType.TypeFp32), (input.Name, input.DataType));
        Assert.Equal(config.MaxBatchSize > 0 ? [4L] : [-1L, 4L], input.Dims);
        Assert.Contains(config.Output, o => o.Name == "label" && o.DataType == DataType.TypeInt64);
        Assert.NotEmpty(config.InstanceGroup);
    }

    [Fact]
    public async Task ModelStatistics_AfterAnInference_CountsItPerVersion()
    {
        await ModelInfer_IrisTypedContents_GiveTheSameOutputsAsRaw();

        var one = await _client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "iris", Version = "1" });
        var all = await _client.ModelStatisticsAsync(new ModelStatisticsRequest());

        var stats = Assert.Single(one.ModelStats);
        Assert.Equal(("iris", "1"), (stats.Name, stats.Version));
        Assert.True(stats.InferenceCount >= 2);
        Assert.True(stats.InferenceStats.Success.Count >= 2);
        Assert.True(stats.LastInference > 0);
        Assert.Contains(all.ModelStats, s => s.Name == "identity_float");
        Assert.Contains(all.ModelStats, s => s.Name == "iris" && s.Version == "2");
    }

    [Fact]
    public async Task RepositoryIndex_ListsEveryVersionWithItsState()
    {
        var index = await _client.RepositoryIndexAsync(new RepositoryIndexRequest());
        var ready = await _client.RepositoryIndexAsync(new RepositoryIndexRequest { Ready = true });

        Assert.Contains(index.Models, m => m.Name == "iris" && m.Version == "1" && m.State == "READY");
        Assert.Contains(index.Models, m => m.Name == "iris" && m.Version == "2" && m.State == "READY");
        Assert.Equal(index.Models.Count(m => m.State == "READY"), ready.Models.Count);
    }

    [Fact]
    public async Task RepositoryModelLoadAndUnload_ControlModeNone_AreRefusedNamingTheSetting()
    {
        var load = await Assert.ThrowsAsync<RpcException>(async () => await _client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "iris" }));
        var unload = await Assert.ThrowsAsync<RpcException>(async () => await _client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "iris" }));

        Assert.Equal(StatusCode.FailedPrecondition, load.StatusCode);
        Assert.Contains("ControlMode", load.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, unload.StatusCode);
        Assert.True((await _client.ModelReadyAsync(new ModelReadyRequest { Name = "iris" })).Ready);
    }

    [Theory]
    [InlineData("")]
    [InlineData("inference.GRPCInferenceService")]
    [InlineData("live")]
    public async Task HealthCheck_ReadyServer_IsServing(string name)
    {
        var health = new global::Grpc.Health.V1.Health.HealthClient(service.Channel);

        var reply = await health.CheckAsync(new HealthCheckRequest { Service = name });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task HealthCheck_UnknownService_IsNotFound()
    {
        var health = new global::Grpc.Health.V1.Health.HealthClient(service.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await health.CheckAsync(new HealthCheckRequest { Service = "nope" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Reflection_ListsTheInferenceAndHealthServices()
    {
        var reflection = new ServerReflection.ServerReflectionClient(service.Channel);
        using var call = reflection.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.Contains("inference.GRPCInferenceService", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }
}
