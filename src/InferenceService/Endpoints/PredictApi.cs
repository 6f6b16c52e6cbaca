using System.Diagnostics;
using InferenceService.Contracts;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Errors;
using InferenceService.OpenApi;
using InferenceService.Telemetry;

namespace InferenceService.Endpoints;

/// <summary><c>POST /predict</c>: the simple API for applications. Inputs as nested arrays, element types from the model.</summary>
internal static class PredictApi
{
    public static IEndpointRouteBuilder MapPredictApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/predict", PredictAsync)
            .WithName("Predict")
            .WithTags("Predict")
            .WithSummary("Runs a model on inputs given as nested JSON arrays.")
            .WithDescription("The nesting of each input gives its shape; the model gives its element type. Classification outputs with a label file also come back as label names under \"labels\". With \"targets\" (the true value of each row by output name) the prediction is scored for accuracy at once.")
            .AcceptsJson<PredictRequest>()
            .Produces<PredictResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        return app;
    }

    private static async Task<IResult> PredictAsync(HttpContext context, ModelRegistry registry, InferencePipeline pipeline, AccuracyTracker accuracy, SchedulerContext scheduling, CancellationToken cancellationToken)
    {
        var inputs = new List<InputTensor>();
        var telemetry = InferenceRequestFeature.For(context);
        var decodeStarted = Stopwatch.GetTimestamp();
        try
        {
            // The model is named in the body, so only the server-wide refusals can come before reading it.
            scheduling.ThrowIfRefusingRequests();
            var request = await JsonBody.ReadAsync(context.Request, ContractsJsonContext.Default.PredictRequest, cancellationToken);
            if (string.IsNullOrWhiteSpace(request.Model))
            {
                throw InferenceException.InvalidInput("\"model\" is required: the name of a model in the repository.");
            }
            telemetry.Model = request.Model;
            var model = registry.Resolve(request.Model, request.Version);
            telemetry.Version = model.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

            if (request.Inputs is not { Count: > 0 })
            {
                throw InferenceException.InvalidInput($"\"inputs\" is required: an object with one entry per input ({string.Join(", ", model.Inputs.Select(i => i.Name))}).");
            }
            foreach (var (name, value) in request.Inputs)
            {
                var input = model.FindInput(name)
                    ?? throw InferenceException.InvalidInput($"Model '{model.Name}' has no input named '{name}' (its inputs: {string.Join(", ", model.Inputs.Select(i => i.Name))}).");
                inputs.Add(JsonTensorDecoder.DecodeNested(name, value, input.ElementType));
            }

            for (var i = 0; i < (request.Outputs?.Count ?? 0); i++)
            {
                if (request.Outputs![i] is null)
                {
                    throw InferenceException.InvalidInput($"outputs[{i}] must be an output name, not null.");
                }
            }

            telemetry.Decode = Stopwatch.GetElapsedTime(decodeStarted);
            await InferenceResponder.RespondAsync(context, pipeline, accuracy, model, inputs, request.Outputs, request.Id,
                InlineTargets.FromPredict(request.Targets), queueTimeout: null, PredictResponseWriter.WriteAsync, cancellationToken);
            return Results.Empty;
        }
        catch (InferenceException e)
        {
            return ClientErrors.Problem(context, e);
        }
        finally
        {
            inputs.ForEach(i => i.Dispose());
        }
    }
}
