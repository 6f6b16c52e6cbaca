using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace InferenceService.Errors;

/// <summary>
/// An error answer, as a typed result: the status and Retry-After from <see cref="InferenceErrors"/>, and the body in
/// one of the two forms, written with Utf8JsonWriter (no serializer, no intermediate object): the Open Inference
/// Protocol's <c>{"error": "…"}</c>, or RFC 9457 ProblemDetails (<c>application/problem+json</c>: type, title, status,
/// detail, instance, traceId). An {"error"} body can be made once and kept (<see cref="Cached"/>): refusing a request
/// under overload then writes a few hundred bytes it already has.
/// </summary>
internal sealed class ErrorResult : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public const string JsonContentType = "application/json; charset=utf-8";
    public const string ProblemContentType = "application/problem+json; charset=utf-8";

    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private static readonly string s_retryAfter = InferenceErrors.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private readonly ErrorAnswer _answer;
    private readonly string _message;
    private readonly byte[]? _body;
    private readonly bool _problem;
    private readonly string? _grpcMessage;

    private ErrorResult(ErrorAnswer answer, string message, bool problem, byte[]? body, string? grpcMessage = null)
    {
        _grpcMessage = grpcMessage;
        _answer = answer;
        _message = message;
        _problem = problem;
        _body = body;
    }

    /// <summary>The client's message.</summary>
    public string Message => _message;

    public ErrorAnswer Answer => _answer;

    public int? StatusCode => _answer.HttpStatus;

    public string ContentType => _problem ? ProblemContentType : JsonContentType;

    public static ErrorResult Protocol(ErrorAnswer answer, string message) => new(answer, message, problem: false, body: null);

    public static ErrorResult Problem(ErrorAnswer answer, string message) => new(answer, message, problem: true, body: null);

    /// <summary>An {"error"} answer whose body is serialized now, once, for a caller that gives the same answer often.</summary>
    public static ErrorResult Cached(ErrorAnswer answer, string message) => new(answer, message, problem: false, body: ProtocolBody(message));

    /// <summary>A gRPC answer with no message (trailers only): the door's refusal of a gRPC call, its message encoded once.</summary>
    public static ErrorResult Grpc(ErrorAnswer answer, string message) => new(answer, message, problem: false, body: null, GrpcErrors.EncodeMessage(message));

    /// <summary>The {"error": "…"} body of a message.</summary>
    public static byte[] ProtocolBody(string message)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(message.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("error"u8, message);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (_grpcMessage is not null)
        {
            return GrpcErrors.WriteTrailersOnlyAsync(httpContext, _answer, _grpcMessage);
        }
        var response = httpContext.Response;
        response.StatusCode = _answer.HttpStatus;
        if (_answer.RetryAfter)
        {
            response.Headers.RetryAfter = s_retryAfter;
        }
        response.ContentType = ContentType;
        if (_body is not null)
        {
            response.ContentLength = _body.Length;
            return response.Body.WriteAsync(_body, 0, _body.Length, httpContext.RequestAborted);
        }
        using (var writer = new Utf8JsonWriter(response.BodyWriter, s_writerOptions))
        {
            writer.WriteStartObject();
            if (_problem)
            {
                writer.WriteString("type"u8, TypeOf(_answer.HttpStatus));
                writer.WriteString("title"u8, _answer.Title);
                writer.WriteNumber("status"u8, _answer.HttpStatus);
                writer.WriteString("detail"u8, _message);
                writer.WriteString("instance"u8, httpContext.Request.Path.Value);
                writer.WriteString("traceId"u8, Activity.Current?.Id ?? httpContext.TraceIdentifier);
            }
            else
            {
                writer.WriteString("error"u8, _message);
            }
            writer.WriteEndObject();
        }
        return response.BodyWriter.FlushAsync(httpContext.RequestAborted).AsTask();
    }

    /// <summary>The RFC 9110 section of a status, as ASP.NET Core's ProblemDetails name it.</summary>
    private static string TypeOf(int status) => status switch
    {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        500 => "https://tools.ietf.org/html/rfc9110#section-15.6.1",
        503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        504 => "https://tools.ietf.org/html/rfc9110#section-15.6.5",
        _ => "about:blank",
    };
}
