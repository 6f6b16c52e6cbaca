using System.Globalization;
using Grpc.Core;
using InferenceService.Engine;
using InferenceService.Engine.Serving;

namespace InferenceService.Errors;

/// <summary>
/// The gRPC form of the answers of <see cref="InferenceErrors"/>: the status its table gives (InvalidArgument,
/// NotFound, Unavailable, DeadlineExceeded, …) with the same client message as over HTTP. An answer that tells the
/// client to come back later (the HTTP 503s with Retry-After) carries that in two trailers: <c>retry-after</c>
/// (seconds, as the HTTP header) and <c>grpc-retry-pushback-ms</c> (milliseconds), the one gRPC's own retry policy
/// reads, so a client with a retry policy waits as told without code of its own.
/// </summary>
internal static class GrpcErrors
{
    public const string RetryAfterTrailer = "retry-after";
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    private static readonly string s_retryAfter = InferenceErrors.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
    private static readonly string s_retryPushback = (InferenceErrors.RetryAfterSeconds * 1000).ToString(CultureInfo.InvariantCulture);

    public static StatusCode CodeOf(ErrorAnswer answer) => (StatusCode)(int)answer.GrpcStatus;

    /// <summary>The exception that answers <paramref name="error"/> from a gRPC method.</summary>
    public static RpcException Of(InferenceException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Of(InferenceErrors.Of(error.Kind), error.Message);
    }

    public static RpcException Of(ErrorAnswer answer, string message)
    {
        var trailers = new Metadata();
        if (answer.RetryAfter)
        {
            trailers.Add(RetryAfterTrailer, s_retryAfter);
            trailers.Add(RetryPushbackTrailer, s_retryPushback);
        }
        return new RpcException(new Status(CodeOf(answer), message), trailers, message);
    }

    /// <summary>An answer whose status is not one of the engine's errors (Unimplemented, say).</summary>
    public static RpcException Of(StatusCode code, string message) => new(new Status(code, message), message);

    /// <summary>
    /// Writes a refusal as a gRPC answer with no message, straight onto the response (HTTP 200, the status in the
    /// headers, as gRPC's trailers-only form): for the door, which refuses before the gRPC method runs.
    /// </summary>
    public static Task WriteTrailersOnlyAsync(HttpContext context, ErrorAnswer answer, string encodedMessage)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)answer.GrpcStatus).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = encodedMessage;
        if (answer.RetryAfter)
        {
            response.Headers[RetryAfterTrailer] = s_retryAfter;
            response.Headers[RetryPushbackTrailer] = s_retryPushback;
        }
        return Task.CompletedTask;
    }

    /// <summary>grpc-message's percent-encoding: printable ASCII but '%' as it is, every other UTF-8 byte as %XX.</summary>
    public static string EncodeMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var encoded = new System.Text.StringBuilder(message.Length);
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return encoded.ToString();
    }
}
