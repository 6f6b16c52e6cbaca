using InferenceService.Engine;
using InferenceService.Engine.Serving;
using Microsoft.AspNetCore.Diagnostics;

namespace InferenceService.Errors;

/// <summary>
/// The last line: anything an endpoint did not turn into an answer. Kestrel's own request errors (a body over the
/// limit, a malformed request) keep their 4xx status; everything else is a 500 whose body says only that the
/// server failed, and whose details go to the log, never to the client. The answer comes from
/// <see cref="InferenceErrors"/>, like every other error's.
/// </summary>
internal sealed partial class UnhandledErrorHandler(ILogger<UnhandledErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var protocol = InferenceErrors.IsProtocolPath(context.Request.Path);
        ErrorResult answer;
        switch (exception)
        {
            case InferenceException inference:
                answer = InferenceErrors.For(context.Request.Path, inference);
                break;
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                answer = InferenceErrors.For(context.Request.Path, new InferenceException(InferenceErrorKind.PayloadTooLarge, "The request body is larger than the server accepts."));
                break;
            case BadHttpRequestException bad:
                var malformed = new ErrorAnswer(bad.StatusCode, GrpcStatus.InvalidArgument, "The request is malformed.", false);
                answer = protocol ? ErrorResult.Protocol(malformed, malformed.Title) : ErrorResult.Problem(malformed, malformed.Title);
                break;
            default:
                LogUnhandled(logger, context.Request.Method, context.Request.Path, exception);
                var failure = InferenceErrors.ServerFailure;
                answer = protocol ? ErrorResult.Protocol(failure, "The server failed to process the request.") : ErrorResult.Problem(failure, "The server failed to process the request.");
                break;
        }
        await answer.ExecuteAsync(context);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
