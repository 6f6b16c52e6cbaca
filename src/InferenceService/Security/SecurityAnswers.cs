using System.Globalization;
using InferenceService.Errors;

namespace InferenceService.Security;

/// <summary>
/// The answers of the security door, in the form of the API the request came in on: gRPC (a trailers-only answer
/// whose <c>grpc-status</c> is Unauthenticated, PermissionDenied or ResourceExhausted), the Open Inference Protocol
/// (<c>{"error": "…"}</c>) or ProblemDetails. 401s carry <c>WWW-Authenticate</c>, 429s <c>Retry-After</c>.
/// </summary>
internal static class SecurityAnswers
{
    public const string Realm = "inference-service";

    public static readonly ErrorAnswer Unauthenticated = new(StatusCodes.Status401Unauthorized, GrpcStatus.Unauthenticated, "An API key is required.", false);
    public static readonly ErrorAnswer Forbidden = new(StatusCodes.Status403Forbidden, GrpcStatus.PermissionDenied, "The caller lacks a scope the route needs.", false);
    public static readonly ErrorAnswer OverQuota = new(StatusCodes.Status429TooManyRequests, GrpcStatus.ResourceExhausted, "The caller is over its quota.", false);

    /// <summary>Whether the request is gRPC (content-type application/grpc, with or without +proto and the like).</summary>
    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    /// <param name="context">The request.</param>
    /// <param name="answer">What kind of refusal.</param>
    /// <param name="message">The client's message: what is missing and how to fix it (never a key).</param>
    /// <param name="invalidKey">For a 401: a key was presented but is not known (RFC 6750's invalid_token).</param>
    /// <param name="retryAfter">For a 429: when to retry.</param>
    public static Task WriteAsync(HttpContext context, ErrorAnswer answer, string message, bool invalidKey = false, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        if (answer.HttpStatus == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = invalidKey ? $"Bearer realm=\"{Realm}\", error=\"invalid_token\"" : $"Bearer realm=\"{Realm}\"";
        }
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = RetryAfterSeconds(wait).ToString(CultureInfo.InvariantCulture);
        }
        if (IsGrpc(context.Request))
        {
            // Trailers-only: the status goes in the headers of an answer with no message, as gRPC servers refuse a call.
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = ((int)answer.GrpcStatus).ToString(CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return Task.CompletedTask;
        }
        var result = InferenceErrors.IsProtocolPath(context.Request.Path) ? ErrorResult.Protocol(answer, message) : ErrorResult.Problem(answer, message);
        return result.ExecuteAsync(context);
    }

    /// <summary>Whole seconds, rounded up, at least 1: a client that waits that long finds the permit there.</summary>
    public static int RetryAfterSeconds(TimeSpan wait) => (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, int.MaxValue);
}
