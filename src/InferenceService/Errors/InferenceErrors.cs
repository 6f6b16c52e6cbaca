using InferenceService.Engine;
using InferenceService.Engine.Serving;

namespace InferenceService.Errors;

/// <summary>
/// The status codes of gRPC (google.rpc.Code), by number, so the mapping below can name them without the gRPC
/// packages: the V2 gRPC service answers with the same codes.
/// </summary>
internal enum GrpcStatus
{
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

/// <summary>How one kind of error is answered: HTTP status, gRPC status, the ProblemDetails title, and whether it carries Retry-After.</summary>
internal readonly record struct ErrorAnswer(int HttpStatus, GrpcStatus GrpcStatus, string Title, bool RetryAfter);

/// <summary>
/// The one place that maps the engine's errors to answers, for every API: the table below gives the HTTP status (and
/// the gRPC status the V2 gRPC service uses), the title and Retry-After; <see cref="ErrorResult"/> writes the body in
/// the route's form ({"error"} on Open Inference Protocol routes, ProblemDetails elsewhere).
/// </summary>
internal static class InferenceErrors
{
    /// <summary>Seconds a client is told to wait before retrying a 503.</summary>
    public const int RetryAfterSeconds = 1;

    public static readonly ErrorAnswer ServerFailure = new(StatusCodes.Status500InternalServerError, GrpcStatus.Internal, "The server failed.", false);

    public static ErrorAnswer Of(InferenceErrorKind kind) => kind switch
    {
        InferenceErrorKind.InvalidInput => new(StatusCodes.Status400BadRequest, GrpcStatus.InvalidArgument, "The request does not fit the model.", false),
        InferenceErrorKind.ModelNotFound => new(StatusCodes.Status404NotFound, GrpcStatus.NotFound, "No such model or version.", false),
        InferenceErrorKind.PredictionNotFound => new(StatusCodes.Status404NotFound, GrpcStatus.NotFound, "No such prediction.", false),
        InferenceErrorKind.Conflict => new(StatusCodes.Status409Conflict, GrpcStatus.AlreadyExists, "The request conflicts with the current state.", false),
        // The same 409 over HTTP, but gRPC tells "exists already" from "not allowed in this state" (Triton's gRPC does too).
        InferenceErrorKind.PreconditionFailed => new(StatusCodes.Status409Conflict, GrpcStatus.FailedPrecondition, "The server's settings do not allow the request.", false),
        InferenceErrorKind.PayloadTooLarge => new(StatusCodes.Status413PayloadTooLarge, GrpcStatus.ResourceExhausted, "The request body is too large.", false),
        InferenceErrorKind.ModelNotReady => new(StatusCodes.Status503ServiceUnavailable, GrpcStatus.Unavailable, "The model is not ready.", true),
        InferenceErrorKind.Overloaded => new(StatusCodes.Status503ServiceUnavailable, GrpcStatus.Unavailable, "The server is overloaded.", true),
        InferenceErrorKind.Unavailable => new(StatusCodes.Status503ServiceUnavailable, GrpcStatus.Unavailable, "A store the request needs is unreachable.", true),
        InferenceErrorKind.DeadlineExceeded => new(StatusCodes.Status504GatewayTimeout, GrpcStatus.DeadlineExceeded, "The request's deadline passed.", false),
        _ => new(StatusCodes.Status400BadRequest, GrpcStatus.InvalidArgument, "The request failed.", false),
    };

    /// <summary>The HTTP status of an error kind.</summary>
    public static int StatusCodeOf(InferenceErrorKind kind) => Of(kind).HttpStatus;

    /// <summary>Whether a path belongs to the Open Inference Protocol, whose errors are <c>{"error": "…"}</c>.</summary>
    public static bool IsProtocolPath(PathString path) => path.StartsWithSegments("/v2", StringComparison.Ordinal);

    /// <summary>The Open Inference Protocol answer to an error.</summary>
    public static ErrorResult Protocol(InferenceException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return ErrorResult.Protocol(Of(error.Kind), error.Message);
    }

    /// <summary>The ProblemDetails answer to an error.</summary>
    public static ErrorResult Problem(InferenceException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return ErrorResult.Problem(Of(error.Kind), error.Message);
    }

    /// <summary>The answer to an error in the form of the route it came in on.</summary>
    public static ErrorResult For(PathString path, InferenceException error) => IsProtocolPath(path) ? Protocol(error) : Problem(error);
}
