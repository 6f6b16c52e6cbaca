namespace InferenceService.Client;

/// <summary>What went wrong with a call, in terms both transports share (gRPC's status codes; HTTP statuses map onto them).</summary>
public enum InferenceErrorCode
{
    /// <summary>The request does not fit the model (HTTP 400, gRPC InvalidArgument).</summary>
    InvalidArgument,

    /// <summary>No such model, version or resource (404, NotFound).</summary>
    NotFound,

    /// <summary>The server cannot take the request now: not ready, queue full, draining (503, Unavailable). Retried.</summary>
    Unavailable,

    /// <summary>The deadline passed, on the client or the server (504, DeadlineExceeded).</summary>
    DeadlineExceeded,

    /// <summary>Too large, or over a quota (413/429, ResourceExhausted).</summary>
    ResourceExhausted,

    /// <summary>No or an unknown key (401, Unauthenticated).</summary>
    Unauthenticated,

    /// <summary>The key lacks the scope (403, PermissionDenied).</summary>
    PermissionDenied,

    /// <summary>The request conflicts with the server's state, or its settings forbid it now (409; AlreadyExists, FailedPrecondition or Aborted).</summary>
    Conflict,

    /// <summary>The server does not implement the call (501, Unimplemented).</summary>
    Unimplemented,

    /// <summary>The call was cancelled.</summary>
    Cancelled,

    /// <summary>The server failed, or answered what this client cannot read.</summary>
    Internal,
}

/// <summary>A call the server refused or that failed: the code, the server's message, and how long it asked to wait, if it did.</summary>
public sealed class InferenceClientException : Exception
{
    public InferenceClientException(InferenceErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException) => Code = code;

    public InferenceClientException() : this(InferenceErrorCode.Internal, "The call failed.") { }

    public InferenceClientException(string message) : this(InferenceErrorCode.Internal, message) { }

    public InferenceClientException(string message, Exception innerException) : this(InferenceErrorCode.Internal, message, innerException) { }

    public InferenceErrorCode Code { get; }

    /// <summary>The HTTP status the server answered (HTTP transport only).</summary>
    public int? HttpStatus { get; init; }

    /// <summary>How long the server asked the client to wait before retrying (Retry-After), when it did.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
