using InferenceService.Engine;
using System.Diagnostics;
using InferenceService.Contracts;
using InferenceService.Engine.Serving;
using InferenceService.Errors;
using InferenceService.OpenApi;
using InferenceService.Telemetry;
using InferenceService.Security;

namespace InferenceService.Endpoints;

/// <summary>
/// <c>POST /predict</c>: the simple API for applications. Inputs as nested arrays, element types from the model. The
/// model is named in the body, or (so that an overloaded server refuses the request before reading its body) in the
/// path, <c>POST /predict/{model}</c>, or the <c>X-Model</c> header.
/// </summary>
internal static class PredictApi
{
    public static IEndpointRouteBuilder MapPredictApi(this IEndpointRouteBuilder app)
    {
        var services = InferenceServices.For(app);
        Describe(app.MapPost("/predict", (HttpContext context, CancellationToken cancellationToken) =>
            RunAsync(context, services(), cancellationToken, InferenceRoute.Predict.ModelOf(context))), "Predict",
            "The nesting of each input gives its shape; the model gives its element type. The model is named by \"model\" in the body, or by the X-Model header (which lets a full server refuse the request before reading its body). Classification outputs with a label file also come back as label names under \"labels\". With \"targets\" (the true value of each row by output name) the prediction is scored for accuracy at once.");
        Describe(app.MapPost("/predict/{model}", (HttpContext context, string model, CancellationToken cancellationToken) =>
            RunAsync(context, services(), cancellationToken, model)), "PredictModel",
            "As POST /predict, for the model named in the path (the body's \"model\" may be left out; if given, it must be the same). A request the server cannot admit now (the model's queue or the server full, shutting down) is refused with 503 and Retry-After before its body is read.");
        return app;
    }

    private static void Describe(RouteHandlerBuilder route, string name, string description) => route
        .WithName(name)
        .WithTags("Predict")
        .WithSummary("Runs a model on inputs given as nested JSON arrays.")
        .WithDescription(description)
        .WithMetadata(InferenceRoute.Predict)
        .RequireScope(Scopes.Infer)
        .AcceptsJson<PredictRequest>()
        .Produces<PredictResponse>(StatusCodes.Status200OK)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .ProducesProblem(StatusCodes.Status504GatewayTimeout);

    /// <param name="context">The request.</param>
    /// <param name="services">The flow's services.</param>
    /// <param name="cancellationToken">The request's abort token.</param>
    /// <param name="named">The model the path or the header names; null: the body names it.</param>
    private static async Task<IResult> RunAsync(HttpContext context, InferenceServices services, CancellationToken cancellationToken, string? named)
    {
        var record = InferenceRecord.Start(context, named);
        var admission = InferenceAdmission.Of(context);
        try
        {
            var decodeStarted = Stopwatch.GetTimestamp();
            using var body = await RequestBodyDocument.ReadAsync(context.Request, binaryHeaders: false, liftInputData: InputDataLayout.Simple, cancellationToken);
            var problems = new RequestProblems();
            var request = PredictRequestReader.Read(body, ref problems);
            if (problems.Any)
            {
                throw problems.ToException();
            }
            if (named is not null && request.Model is not null && !string.Equals(named, request.Model, StringComparison.Ordinal))
            {
                throw InferenceException.InvalidInput($"The body names model '{request.Model}', but the request is for model '{named}' (its path or {InferenceRoute.ModelHeader} header).");
            }
            var modelName = named ?? request.Model;
            if (string.IsNullOrWhiteSpace(modelName))
            {
                throw InferenceException.InvalidInput("\"model\" is required: the name of a model in the repository.");
            }
            record.Model = modelName;
            if (Engine.Repository.ModelNames.Problem(modelName) is { } nameProblem)
            {
                throw InferenceException.InvalidInput("\"model\" is not a valid model name: " + nameProblem);
            }
            if (services.Lifecycle.LoadsOnDemand && (admission is null || !string.Equals(admission.Model.Name, modelName, StringComparison.Ordinal)))
            {
                // Only the body named the model, so the door could not load it: a model of the repository that is not
                // loaded is loaded now (the request waits), then admitted below.
                (await services.Lifecycle.AcquireAsync(modelName, request.Version, cancellationToken)).Exit();
            }
            var model = Admit(services, modelName, request.Version, ref admission);
            record.Version = model.VersionText;
            var decoded = Decode(services, model, body, ref request);
            using (decoded)
            {
                record.Decode = Stopwatch.GetElapsedTime(decodeStarted);
                var running = InferenceFlow.Enqueue(services, decoded, admission, queueTimeout: null, cancellationToken);
                await InferenceFlow.AnswerAsync(context, services, record, running, new AnswerRequest(request.Id, InlineTargets.FromPredict(request.Targets)), PredictResponseWriter.Write);
            }
            return TypedResults.Empty;
        }
        catch (InferenceException e)
        {
            record.Error = e.Kind;
            InferenceFlow.CountRefusal(services, record, e);
            return InferenceErrors.Problem(e);
        }
        finally
        {
            admission?.Release();
        }
    }

    /// <summary>
    /// The version to run and its place in the queue: the door's, when it admitted the request for this version;
    /// otherwise (the body named the model, or another version) admitted here, after the body was read.
    /// </summary>
    private static LoadedModel Admit(InferenceServices services, string name, string? version, ref InferenceAdmission? admission)
    {
        if (admission is not null && string.Equals(admission.Model.Name, name, StringComparison.Ordinal)
            && (string.IsNullOrEmpty(version) || string.Equals(admission.Model.VersionText, version, StringComparison.Ordinal)))
        {
            return admission.Model;
        }
        admission?.Release();
        admission = null;
        var model = services.Registry.Resolve(name, version);
        var refusal = Admission.TryAdmit(model, out var ticket);
        if (refusal != AdmissionRefusal.None)
        {
            throw Admission.Error(refusal, services.Scheduling, model);
        }
        admission = new InferenceAdmission(model, ticket);
        return model;
    }

    private static DecodedRequest Decode(InferenceServices services, LoadedModel model, in RequestBodyDocument body, ref PredictRequestView request)
    {
        var problems = new RequestProblems();
        PredictRequestReader.ReadInputs(body, ref request, model, ref problems);
        var decoded = problems.Any ? null : services.Pipeline.Decode(model, request.Inputs, request.Outputs, ref problems);
        request.Dispose();
        return decoded ?? throw problems.ToException();
    }
}
