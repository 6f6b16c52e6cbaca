using InferenceService.Contracts;
using InferenceService.Engine.Serving;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace InferenceService.Errors;

/// <summary>
/// Turns a client's problem into its answer: <c>{"error": "…"}</c> on Open Inference Protocol routes (as the protocol
/// says), RFC 9457 ProblemDetails everywhere else. The status code follows the kind of problem.
/// </summary>
internal static class ClientErrors
{
    public const int RetryAfterSeconds = 1;

    public static int StatusCodeOf(InferenceErrorKind kind) => kind switch
    {
        InferenceErrorKind.InvalidInput => StatusCodes.Status400BadRequest,
        InferenceErrorKind.ModelNotFound or InferenceErrorKind.PredictionNotFound => StatusCodes.Status404NotFound,
        InferenceErrorKind.Conflict => StatusCodes.Status409Conflict,
        InferenceErrorKind.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        InferenceErrorKind.ModelNotReady or InferenceErrorKind.Overloaded => StatusCodes.Status503ServiceUnavailable,
        InferenceErrorKind.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>The Open Inference Protocol error body.</summary>
    public static JsonHttpResult<ErrorResponse> Protocol(HttpContext context, InferenceException error)
    {
        var status = StatusCodeOf(error.Kind);
        AddRetryAfter(context, status);
        return TypedResults.Json(new ErrorResponse(error.Message), statusCode: status);
    }

    /// <summary>The ProblemDetails body.</summary>
    public static ProblemHttpResult Problem(HttpContext context, InferenceException error)
    {
        var status = StatusCodeOf(error.Kind);
        AddRetryAfter(context, status);
        return TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Title = TitleOf(error.Kind),
            Detail = error.Message,
            Instance = context.Request.Path,
        });
    }

    /// <summary>Whether a path belongs to the Open Inference Protocol, whose errors are <c>{"error": "…"}</c>.</summary>
    public static bool IsProtocolPath(PathString path) => path.StartsWithSegments("/v2", StringComparison.Ordinal);

    private static string TitleOf(InferenceErrorKind kind) => kind switch
    {
        InferenceErrorKind.InvalidInput => "The request does not fit the model.",
        InferenceErrorKind.ModelNotFound => "No such model or version.",
        InferenceErrorKind.ModelNotReady => "The model is not ready.",
        InferenceErrorKind.PayloadTooLarge => "The request body is too large.",
        InferenceErrorKind.Overloaded => "The server is overloaded.",
        InferenceErrorKind.DeadlineExceeded => "The request's deadline passed.",
        InferenceErrorKind.PredictionNotFound => "No such prediction.",
        InferenceErrorKind.Conflict => "The request conflicts with the current state.",
        _ => "The request failed.",
    };

    private static void AddRetryAfter(HttpContext context, int status)
    {
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
