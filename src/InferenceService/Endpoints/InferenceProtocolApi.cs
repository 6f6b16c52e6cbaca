using System.Diagnostics;
using System.Globalization;
using InferenceService.Contracts;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Errors;
using InferenceService.OpenApi;
using InferenceService.Health;
using InferenceService.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace InferenceService.Endpoints;

/// <summary>
/// The Open Inference Protocol (KServe V2) REST API, as Triton, KServe and MLServer speak it: server and model
/// metadata, health, readiness and inference. Errors are <c>{"error": "…"}</c>, as the protocol says.
/// </summary>
internal static class InferenceProtocolApi
{
    public const string Platform = "onnx_onnxv1";

    public static IEndpointRouteBuilder MapInferenceProtocolApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2").WithTags("Open Inference Protocol");

        v2.MapGet("", ServerMetadata)
            .WithName("ServerMetadata").WithSummary("The server's name, version and protocol extensions.");
        v2.MapGet("/health/live", () => TypedResults.Ok())
            .WithName("ServerLive").WithSummary("200 as soon as the process serves requests.");
        v2.MapGet("/health/ready", ServerReady)
            .WithName("ServerReady").WithSummary("200 when the models are ready (every one, under strict readiness); 503 before.")
            .Produces(StatusCodes.Status503ServiceUnavailable);

        MapModelRoutes(v2.MapGroup("/models/{model}"), "");
        MapModelRoutes(v2.MapGroup("/models/{model}/versions/{version}"), "Version");

        v2.MapPost("/repository/index", RepositoryIndex)
            .WithName("RepositoryIndex").WithSummary("Every model version of the repository with its state and, when it failed, why.");
        return app;
    }

    private static void MapModelRoutes(RouteGroupBuilder group, string suffix)
    {
        group.MapGet("", ModelMetadata)
            .WithName("ModelMetadata" + suffix).WithSummary("A model's inputs and outputs: names, datatypes and shapes (-1 for dynamic dimensions).")
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound).Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/ready", ModelReady)
            .WithName("ModelReady" + suffix).WithSummary("200 when the model (version) is ready to serve; 503 while it loads or after it failed.")
            .Produces<ModelReadyResponse>(StatusCodes.Status503ServiceUnavailable).Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        group.MapPost("/infer", InferAsync)
            .WithName("ModelInfer" + suffix).WithSummary("Runs the model on the inputs of an Open Inference Protocol request.")
            .WithDescription("With \"parameters\": {\"targets\": {\"<output>\": [true value per row]}} the prediction is scored for accuracy at once.")
            .AcceptsJson<InferenceRequest>()
            .Produces<InferenceResponse>(StatusCodes.Status200OK)
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable)
            .Produces<ErrorResponse>(StatusCodes.Status504GatewayTimeout);
    }

    private static Ok<ServerMetadataResponse> ServerMetadata() =>
        TypedResults.Ok(new ServerMetadataResponse("inference-service", ServerInfo.Version, ["model_repository", "statistics"]));

    private static Results<Ok, StatusCodeHttpResult> ServerReady(Readiness readiness) =>
        readiness.IsReady ? TypedResults.Ok() : TypedResults.StatusCode(StatusCodes.Status503ServiceUnavailable);

    private static IResult ModelMetadata(HttpContext context, string model, string? version, ModelRegistry registry)
    {
        try
        {
            var loaded = registry.Resolve(model, version);
            var status = registry.Find(model)!;
            return TypedResults.Ok(new ModelMetadataResponse(
                loaded.Name,
                status.Versions.Select(v => v.Version.ToString(CultureInfo.InvariantCulture)).ToArray(),
                Platform,
                loaded.Inputs.Select(ToMetadata).ToArray(),
                loaded.Outputs.Select(ToMetadata).ToArray(),
                loaded.ExecutionProviders,
                loaded.FallbackReasons.Count > 0 ? loaded.FallbackReasons : null));
        }
        catch (InferenceException e)
        {
            return ClientErrors.Protocol(context, e);
        }
    }

    private static IResult ModelReady(HttpContext context, string model, string? version, ModelRegistry registry)
    {
        try
        {
            registry.Resolve(model, version);
            return TypedResults.Ok(new ModelReadyResponse(model, true));
        }
        catch (InferenceException e) when (e.Kind == InferenceErrorKind.ModelNotReady)
        {
            return TypedResults.Json(new ModelReadyResponse(model, false), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (InferenceException e)
        {
            return ClientErrors.Protocol(context, e);
        }
    }

    private static Ok<RepositoryIndexEntry[]> RepositoryIndex(ModelRegistry registry) =>
        TypedResults.Ok(RepositoryIndexEntries.From(registry));

    private static async Task<IResult> InferAsync(HttpContext context, string model, string? version, ModelRegistry registry, InferencePipeline pipeline, AccuracyTracker accuracy, CancellationToken cancellationToken)
    {
        var inputs = new List<InputTensor>();
        var telemetry = InferenceRequestFeature.For(context);
        var decodeStarted = Stopwatch.GetTimestamp();
        try
        {
            telemetry.Model = model;
            var loaded = registry.Resolve(model, version);
            telemetry.Version = loaded.Version.ToString(CultureInfo.InvariantCulture);
            loaded.Scheduler.ThrowIfFull(); // before the body is read: shedding load must be cheap
            var request = await JsonBody.ReadAsync(context.Request, ContractsJsonContext.Default.InferenceRequest, cancellationToken);
            if (request.Inputs is not { Count: > 0 })
            {
                throw InferenceException.InvalidInput($"\"inputs\" is required: a list with one entry per input ({string.Join(", ", loaded.Inputs.Select(i => i.Name))}).");
            }
            for (var i = 0; i < request.Inputs.Count; i++)
            {
                var input = request.Inputs[i] ?? throw InferenceException.InvalidInput($"inputs[{i}] must be an input object, not null.");
                inputs.Add(DecodeInput(loaded, input, i));
            }
            var outputNames = request.Outputs?.Select((o, i) =>
                o is null ? throw InferenceException.InvalidInput($"outputs[{i}] must be an output object, not null.")
                : o.Name ?? throw InferenceException.InvalidInput($"outputs[{i}]: \"name\" is required.")).ToArray();

            telemetry.Decode = Stopwatch.GetElapsedTime(decodeStarted);
            var timeout = RequestParameters.QueueTimeout(request.Parameters);
            await InferenceResponder.RespondAsync(context, pipeline, accuracy, loaded, inputs, outputNames, request.Id,
                InlineTargets.FromProtocol(request.Parameters), timeout, InferenceResponseWriter.WriteAsync, cancellationToken);
            return Results.Empty;
        }
        catch (InferenceException e)
        {
            return ClientErrors.Protocol(context, e);
        }
        finally
        {
            inputs.ForEach(i => i.Dispose());
        }
    }

    private static InputTensor DecodeInput(LoadedModel model, RequestInput input, int index)
    {
        var where = input.Name is null ? $"inputs[{index}]" : $"Input '{input.Name}'";
        if (string.IsNullOrEmpty(input.Name))
        {
            throw InferenceException.InvalidInput($"inputs[{index}]: \"name\" is required.");
        }
        if (input.Datatype is null || !TensorDataType.TryParse(input.Datatype, out var type))
        {
            throw InferenceException.InvalidInput($"{where}: \"datatype\" must be one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, BF16, FP32, FP64, BYTES" +
                                                  (input.Datatype is null ? "." : $", not \"{input.Datatype}\"."));
        }
        if (input.Shape is null)
        {
            throw InferenceException.InvalidInput($"{where}: \"shape\" is required.");
        }
        if (input.Data.ValueKind == System.Text.Json.JsonValueKind.Undefined)
        {
            throw InferenceException.InvalidInput($"{where}: \"data\" is required (binary tensor data is not supported).");
        }
        if (model.FindInput(input.Name) is null)
        {
            throw InferenceException.InvalidInput($"Model '{model.Name}' has no input named '{input.Name}' (its inputs: {string.Join(", ", model.Inputs.Select(i => i.Name))}).");
        }
        return JsonTensorDecoder.DecodeWithShape(input.Name, input.Data, type, input.Shape.ToArray());
    }

    private static MetadataTensor ToMetadata(Engine.Onnx.TensorInfo tensor) =>
        new(tensor.Name, TensorDataType.ToProtocolName(tensor.ElementType), tensor.Shape);
}
