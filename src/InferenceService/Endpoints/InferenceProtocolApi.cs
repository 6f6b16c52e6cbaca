using InferenceService.Engine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using InferenceService.Contracts;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Errors;
using InferenceService.OpenApi;
using InferenceService.Health;
using InferenceService.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using InferenceService.Security;

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
            .WithName("ServerMetadata").WithSummary("The server's name, version and protocol extensions.")
            .RequireScope(Scopes.Infer);
        v2.MapGet("/health/live", () => TypedResults.Ok())
            .WithName("ServerLive").WithSummary("200 as soon as the process serves requests.");
        v2.MapGet("/health/ready", ServerReady)
            .WithName("ServerReady").WithSummary("200 when the models are ready (every one, under strict readiness); 503 before.")
            .Produces(StatusCodes.Status503ServiceUnavailable);

        MapModelRoutes(v2.MapGroup("/models/{model}"), "");
        MapModelRoutes(v2.MapGroup("/models/{model}/versions/{version}"), "Version");
        return app;
    }

    private static void MapModelRoutes(RouteGroupBuilder group, string suffix)
    {
        group.MapGet("", ModelMetadata)
            .WithName("ModelMetadata" + suffix).WithSummary("A model's inputs and outputs: names, datatypes and shapes (-1 for dynamic dimensions).")
            .RequireScope(Scopes.Infer)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound).Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/ready", ModelReady)
            .WithName("ModelReady" + suffix).WithSummary("200 when the model (version) is ready to serve; 503 while it loads or after it failed.")
            .Produces<ModelReadyResponse>(StatusCodes.Status503ServiceUnavailable).Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        var services = InferenceServices.For(group);
        group.MapPost("/infer", (HttpContext context, string model, string? version, CancellationToken cancellationToken) =>
                InferAsync(context, model, version, services(), cancellationToken))
            .WithName("ModelInfer" + suffix).WithSummary("Runs the model on the inputs of an Open Inference Protocol request.")
            .WithDescription("With \"parameters\": {\"targets\": {\"<output>\": [true value per row]}} the prediction is scored for accuracy at once. A request the server cannot admit now (queue or server full, shutting down) is refused with 503 and Retry-After before its body is read. Triton's extensions: binary tensor data (Inference-Header-Content-Length, parameters.binary_data_size on inputs, binary_data / binary_data_output for outputs), classification (outputs[].parameters.classification), gzip/deflate bodies and answers.")
            .WithMetadata(InferenceRoute.Protocol)
            .RequireScope(Scopes.Infer)
            .AcceptsJson<InferenceRequest>()
            .Produces<InferenceResponse>(StatusCodes.Status200OK)
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable)
            .Produces<ErrorResponse>(StatusCodes.Status504GatewayTimeout);
    }

    private static Ok<ServerMetadataResponse> ServerMetadata() =>
        TypedResults.Ok(new ServerMetadataResponse("inference-service", ServerInfo.Version, Extensions));

    /// <summary>The protocol extensions served, under Triton's names (what its clients look for).</summary>
    public static readonly IReadOnlyList<string> Extensions = ["model_repository", "statistics", "binary_tensor_data", "classification", "model_configuration"];

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
            return InferenceErrors.Protocol(e);
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
            return InferenceErrors.Protocol(e);
        }
    }

    /// <summary>
    /// The Open Inference Protocol's infer: the door (<see cref="InferenceDoor"/>) already admitted the request for
    /// the model version it resolved; the body is read once, checked whole against the model, decoded into pooled
    /// tensors, run and answered.
    /// </summary>
    private static async Task<IResult> InferAsync(HttpContext context, string model, string? version, InferenceServices services, CancellationToken cancellationToken)
    {
        var record = InferenceRecord.Start(context, model);
        var admission = InferenceAdmission.Of(context);
        try
        {
            var loaded = admission?.Model ?? services.Registry.Resolve(model, version);
            record.Version = loaded.VersionText;
            var decodeStarted = Stopwatch.GetTimestamp();
            using var body = await RequestBodyDocument.ReadAsync(context.Request, binaryHeaders: true, liftInputData: InputDataLayout.Protocol, cancellationToken);
            var decoded = Decode(services, loaded, body, out var id, out var targets, out var timeout, out var choices);
            using (decoded)
            {
                record.Decode = Stopwatch.GetElapsedTime(decodeStarted);
                var running = InferenceFlow.Enqueue(services, decoded, admission, timeout, cancellationToken);
                await InferenceFlow.AnswerAsync(context, services, record, running, new AnswerRequest(id, InlineTargets.FromProtocol(targets), choices), InferenceResponseWriter.Write);
            }
            return TypedResults.Empty;
        }
        catch (InferenceException e)
        {
            record.Error = e.Kind;
            InferenceFlow.CountRefusal(services, record, e);
            return InferenceErrors.Protocol(e);
        }
    }

    /// <summary>Reads the request from its body and decodes its inputs; every problem at once, as one 400.</summary>
    private static DecodedRequest Decode(InferenceServices services, LoadedModel model, in RequestBodyDocument body, out string? id, out JsonElement targets, out TimeSpan? timeout, out OutputChoices? choices)
    {
        var problems = new RequestProblems();
        using var request = InferenceRequestReader.Read(body, model, ref problems);
        (id, targets, timeout, choices) = (request.Id, request.Targets, request.QueueTimeout, request.Choices);
        // Malformed inputs are reported alone: the model's checks would only add that they are missing.
        var decoded = problems.Any ? null : services.Pipeline.Decode(model, request.Inputs, request.Outputs, ref problems);
        return decoded ?? throw problems.ToException();
    }

    private static MetadataTensor ToMetadata(Engine.Onnx.TensorInfo tensor) =>
        new(tensor.Name, TensorDataType.ToProtocolName(tensor.ElementType), tensor.Shape);
}
