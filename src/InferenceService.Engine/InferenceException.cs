namespace InferenceService.Engine;

/// <summary>What went wrong with a request, which decides the status code the host answers with.</summary>
public enum InferenceErrorKind
{
    /// <summary>The request does not fit the model (400).</summary>
    InvalidInput,

    /// <summary>No such model or version (404).</summary>
    ModelNotFound,

    /// <summary>The model exists but is not ready to serve (503).</summary>
    ModelNotReady,

    /// <summary>The request is too large (413).</summary>
    PayloadTooLarge,

    /// <summary>The server cannot take the request now (503, with Retry-After).</summary>
    Overloaded,

    /// <summary>The request's deadline passed before it ran (504).</summary>
    DeadlineExceeded,

    /// <summary>No kept prediction has the id: unknown, expired or pushed out by newer ones (404).</summary>
    PredictionNotFound,

    /// <summary>The request conflicts with what the server holds: feedback for a prediction already scored (409).</summary>
    Conflict,

    /// <summary>A store the request needs cannot be reached now: the shared accuracy store (503, with Retry-After).</summary>
    Unavailable,

    /// <summary>
    /// The server's settings forbid the request until they change: a model load or unload while the model control
    /// mode does not allow it (409; over gRPC FailedPrecondition, not the AlreadyExists of a conflict).
    /// </summary>
    PreconditionFailed,
}

/// <summary>
/// An error the client can act on. Its message is written for the client: it names the model, input or output
/// and the problem, and never carries a stack trace, a file-system path or a .NET type name.
/// </summary>
public sealed class InferenceException : Exception
{
    public InferenceException(InferenceErrorKind kind, string message)
        : base(message) => Kind = kind;

    public InferenceException() : this(InferenceErrorKind.InvalidInput, "The request is invalid.") { }

    public InferenceException(string message) : this(InferenceErrorKind.InvalidInput, message) { }

    public InferenceException(string message, Exception innerException) : base(message, innerException) => Kind = InferenceErrorKind.InvalidInput;

    public InferenceErrorKind Kind { get; }

    public static InferenceException InvalidInput(string message) => new(InferenceErrorKind.InvalidInput, message);
}
