using System.Globalization;
using Grpc.Core;
using InferenceService.Endpoints;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Errors;
using InferenceService.Grpc.Protocol;
using InferenceService.Health;
using InferenceService.Security;

using InferenceService.Engine;
using InferenceService.Engine.Lifecycle;

namespace InferenceService.Grpc;

/// <summary>
/// <c>inference.GRPCInferenceService</c>, the Open Inference Protocol over gRPC (Triton's and KServe's clients talk
/// to it unchanged): the same answers as the REST API from the same services, errors mapped by
/// <see cref="GrpcErrors"/> from the one table of <see cref="InferenceErrors"/>. Inference is
/// <see cref="GrpcInferFlow"/>. Health needs no scope (probes); the rest names the scope its REST route needs.
/// </summary>
internal sealed class InferenceGrpcService(InferenceServices services, Readiness readiness, GrpcInferFlow infer, ModelLifecycle lifecycle) : GRPCInferenceService.GRPCInferenceServiceBase
{
    /// <summary>The protocol extensions this service implements, under Triton's names.</summary>
    public static readonly IReadOnlyList<string> Extensions = ["classification", "model_repository", "statistics", "model_configuration"];

    private ModelRegistry Registry => services.Registry;

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = readiness.IsReady });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        try
        {
            Registry.Resolve(Required(request.Name, "name"), Optional(request.Version));
            return Task.FromResult(new ModelReadyResponse { Ready = true });
        }
        catch (InferenceException e) when (e.Kind == InferenceErrorKind.ModelNotReady)
        {
            return Task.FromResult(new ModelReadyResponse { Ready = false });
        }
        catch (InferenceException e)
        {
            throw GrpcErrors.Of(e);
        }
    }

    [RequiredScope(Scopes.Infer)]
    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse { Name = "inference-service", Version = ServerInfo.Version, Extensions = { Extensions } });

    [RequiredScope(Scopes.Infer)]
    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        try
        {
            var model = Registry.Resolve(Required(request.Name, "name"), Optional(request.Version));
            var response = new ModelMetadataResponse { Name = model.Name, Platform = InferenceProtocolApi.Platform };
            response.Versions.AddRange(Registry.Find(model.Name)!.Versions.Select(v => v.Version.ToString(CultureInfo.InvariantCulture)));
            response.Inputs.AddRange(model.Inputs.Select(ToMetadata));
            response.Outputs.AddRange(model.Outputs.Select(ToMetadata));
            return Task.FromResult(response);
        }
        catch (InferenceException e)
        {
            throw GrpcErrors.Of(e);
        }
    }

    [RequiredScope(Scopes.Infer)]
    public override Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context) =>
        infer.InferAsync(request, context);

    [RequiredScope(Scopes.Infer)]
    public override Task<ModelConfigResponse> ModelConfig(ModelConfigRequest request, ServerCallContext context)
    {
        try
        {
            var model = Registry.Resolve(Required(request.Name, "name"), Optional(request.Version));
            return Task.FromResult(new ModelConfigResponse { Config = GrpcModelConfig.Of(model) });
        }
        catch (InferenceException e)
        {
            throw GrpcErrors.Of(e);
        }
    }

    [RequiredScope(Scopes.Metrics)]
    public override Task<ModelStatisticsResponse> ModelStatistics(ModelStatisticsRequest request, ServerCallContext context)
    {
        try
        {
            IEnumerable<LoadedModel> models;
            if (string.IsNullOrEmpty(request.Name))
            {
                models = Registry.Models.SelectMany(m => m.Versions).Where(v => v.Model is not null).Select(v => v.Model!);
            }
            else if (!string.IsNullOrEmpty(request.Version))
            {
                models = [Registry.Resolve(request.Name, request.Version)];
            }
            else
            {
                var status = Registry.Find(request.Name)
                    ?? throw new InferenceException(InferenceErrorKind.ModelNotFound, $"Model '{request.Name}' is not in the repository.");
                models = status.Versions.Where(v => v.Model is not null).Select(v => v.Model!);
            }
            var response = new ModelStatisticsResponse();
            response.ModelStats.AddRange(models.Select(m => GrpcStatistics.Of(StatisticsApi.ToEntry(m))));
            return Task.FromResult(response);
        }
        catch (InferenceException e)
        {
            throw GrpcErrors.Of(e);
        }
    }

    [RequiredScope(Scopes.Manage)]
    public override Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context)
    {
        var response = new RepositoryIndexResponse();
        foreach (var entry in RepositoryIndexEntries.From(Registry))
        {
            if (request.Ready && entry.State != "READY")
            {
                continue;
            }
            response.Models.Add(new RepositoryIndexResponse.Types.ModelIndex { Name = entry.Name, Version = entry.Version, State = entry.State, Reason = entry.Reason ?? "" });
        }
        return Task.FromResult(response);
    }

    /// <summary>As <c>POST /v2/repository/models/{m}/load</c>: "config" (string_param) and "file:&lt;path&gt;" (bytes_param).</summary>
    [RequiredScope(Scopes.Manage)]
    public override async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        try
        {
            await lifecycle.LoadAsync(Required(request.ModelName, "model_name"), OverridesOf(request.Parameters), context.CancellationToken);
            return new RepositoryModelLoadResponse();
        }
        catch (InferenceException e)
        {
            throw GrpcErrors.Of(e);
        }
    }

    [RequiredScope(Scopes.Manage)]
    public override async Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        try
        {
            await lifecycle.UnloadAsync(Required(request.ModelName, "model_name"), context.CancellationToken);
            return new RepositoryModelUnloadResponse();
        }
        catch (InferenceException e)
        {
            throw GrpcErrors.Of(e);
        }
    }

    /// <summary>Triton's load parameters over gRPC; anything else is an InvalidArgument, and nothing is fetched from a URL.</summary>
    private static ModelOverrides OverridesOf(IDictionary<string, ModelRepositoryParameter> parameters)
    {
        if (parameters.Count == 0)
        {
            return ModelOverrides.None;
        }
        string? config = null;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var problems = new RequestProblems();
        foreach (var (name, value) in parameters)
        {
            if (name == "config" && value.ParameterChoiceCase == ModelRepositoryParameter.ParameterChoiceOneofCase.StringParam)
            {
                config = value.StringParam;
            }
            else if (name.StartsWith("file:", StringComparison.Ordinal) && value.ParameterChoiceCase == ModelRepositoryParameter.ParameterChoiceOneofCase.BytesParam)
            {
                try
                {
                    var path = name["file:".Length..];
                    RepositoryNames.CheckUploadedFile(path);
                    files[path] = value.BytesParam.ToByteArray();
                }
                catch (InferenceException e)
                {
                    problems.Add(e);
                }
            }
            else
            {
                problems.Add("A load takes \"config\" (string_param) and \"file:<version>/model.onnx\" (bytes_param) parameters, nothing else.");
            }
        }
        problems.ThrowIfAny();
        return new ModelOverrides(config, files);
    }

    /// <summary>A field the request must give; proto3 has no absent strings, so empty is missing.</summary>
    private static string Required(string value, string field) =>
        string.IsNullOrEmpty(value) ? throw InferenceException.InvalidInput($"\"{field}\" is required: the name of a model in the repository.") : value;

    /// <summary>An optional field: empty means the server chooses, as the protocol says.</summary>
    private static string? Optional(string value) => string.IsNullOrEmpty(value) ? null : value;

    private static ModelMetadataResponse.Types.TensorMetadata ToMetadata(Engine.Onnx.TensorInfo tensor) =>
        new() { Name = tensor.Name, Datatype = TensorDataType.ToProtocolName(tensor.ElementType), Shape = { tensor.Shape } };
}
