namespace InferenceService.Engine.Telemetry;

/// <summary>The values of the <c>outcome</c> tag: how an inference request ended, from the client's point of view.</summary>
public static class RequestOutcomes
{
    /// <summary>Answered with the model's outputs.</summary>
    public const string Success = "success";

    /// <summary>The client's mistake: bad input, unknown model or version, a body too large.</summary>
    public const string ClientError = "client_error";

    /// <summary>Refused without running: the model is not ready or the queue is full (the client may retry).</summary>
    public const string Rejected = "rejected";

    /// <summary>The request's deadline passed before it was answered.</summary>
    public const string TimedOut = "timed_out";

    /// <summary>The server failed.</summary>
    public const string Failed = "failed";

    /// <summary>Every outcome, in the order above.</summary>
    public static IReadOnlyList<string> All { get; } = [Success, ClientError, Rejected, TimedOut, Failed];

    /// <summary>
    /// The outcome an HTTP status code stands for: 2xx success; 503 (not ready, queue full) rejected; 504 timed out;
    /// any other 4xx a client error; any other 5xx a failure. 1xx and 3xx are not answers an inference gives, so they
    /// count as failures rather than vanish.
    /// </summary>
    public static string FromStatusCode(int statusCode) => statusCode switch
    {
        >= 200 and < 300 => Success,
        503 => Rejected,
        504 => TimedOut,
        >= 400 and < 500 => ClientError,
        _ => Failed,
    };
}
