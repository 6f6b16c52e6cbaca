using InferenceService.Engine;
using System.Globalization;
using InferenceService.Contracts;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Serving;
using InferenceService.Errors;
using InferenceService.OpenApi;
using InferenceService.Security;

namespace InferenceService.Endpoints;

/// <summary>
/// Accuracy against ground truth that arrives after the answer: feedback joins true values to a kept prediction by
/// its id, and the accuracy report gives each output's scores per rolling window with its label-free signals. Open
/// Inference Protocol routes, so errors are <c>{"error": "…"}</c>.
/// </summary>
internal static class AccuracyApi
{
    public static IEndpointRouteBuilder MapAccuracyApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2").WithTags("Accuracy").RequireScope(Scopes.Feedback);
        MapModelRoutes(v2.MapGroup("/models/{model}"), "");
        MapModelRoutes(v2.MapGroup("/models/{model}/versions/{version}"), "Version");
        return app;
    }

    private static void MapModelRoutes(RouteGroupBuilder group, string suffix)
    {
        group.MapPost("/feedback", FeedbackAsync)
            .WithName("ModelFeedback" + suffix)
            .WithSummary("Scores a prediction against its ground truth: the true value of each row, by output name.")
            .WithDescription("The id is the prediction id the answer carried. A classification output takes class names (with a label file) or class indices; a numeric output takes numbers. Each prediction takes feedback once.")
            .AcceptsJson<FeedbackRequest>()
            .Produces<FeedbackResponse>(StatusCodes.Status200OK)
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/accuracy", AccuracyAsync)
            .WithName("ModelAccuracy" + suffix)
            .WithSummary("Accuracy (or MAE and RMSE) per output and rolling window, with confusion matrices and the label-free signals of every prediction.")
            .Produces<ModelAccuracyResponse>(StatusCodes.Status200OK)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> FeedbackAsync(HttpContext context, string model, string? version, ModelRegistry registry, AccuracyTracker accuracy, CancellationToken cancellationToken)
    {
        try
        {
            var request = await JsonBody.ReadAsync(context.Request, ContractsJsonContext.Default.FeedbackRequest, cancellationToken);
            if (string.IsNullOrEmpty(request.Id))
            {
                throw InferenceException.InvalidInput("\"id\" is required: the prediction id the answer carried (its \"id\", or the X-Prediction-Id header).");
            }
            if (request.Targets.ValueKind is System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.Null)
            {
                throw InferenceException.InvalidInput("\"targets\" is required: the true value of each row, by output name, e.g. {\"label\": [\"setosa\"]}.");
            }
            var result = await accuracy.FeedbackAsync(model, VersionsOf(registry, model, version), request.Id, request.Targets,
                v => Loaded(registry, model, v), cancellationToken);
            return TypedResults.Ok(new FeedbackResponse(
                result.Prediction.Model,
                result.Prediction.Version.ToString(CultureInfo.InvariantCulture),
                result.Prediction.Id,
                result.Outputs.Select(o => new FeedbackOutput(o.Output, o.Rows, o.Correct, o.MeanAbsoluteError, o.RootMeanSquaredError)).ToArray()));
        }
        catch (InferenceException e)
        {
            return InferenceErrors.Protocol(e);
        }
    }

    private static async Task<IResult> AccuracyAsync(HttpContext context, string model, string? version, ModelRegistry registry, AccuracyTracker accuracy, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(AccuracyResponses.From(await accuracy.ReportAsync(registry.Resolve(model, version), cancellationToken)));
        }
        catch (InferenceException e)
        {
            return InferenceErrors.Protocol(e);
        }
    }

    /// <summary>A version loaded here, for a prediction another replica made; null when it is not ready here.</summary>
    private static LoadedModel? Loaded(ModelRegistry registry, string model, long version)
    {
        try
        {
            return registry.Resolve(model, version.ToString(CultureInfo.InvariantCulture));
        }
        catch (InferenceException)
        {
            return null;
        }
    }

    /// <summary>
    /// The versions a prediction may come from: the one in the route, or every version of the model the repository
    /// serves (the id finds the one that made it).
    /// </summary>
    private static IReadOnlyList<long> VersionsOf(ModelRegistry registry, string model, string? version)
    {
        if (!string.IsNullOrEmpty(version))
        {
            return [registry.Resolve(model, version).Version];
        }
        var status = registry.Find(model) ?? throw new InferenceException(InferenceErrorKind.ModelNotFound, $"Model '{model}' is not in the repository.");
        return status.Versions.Select(v => v.Version).ToArray();
    }
}
