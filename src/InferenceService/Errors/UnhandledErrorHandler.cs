using InferenceService.Contracts;
using InferenceService.Engine.Serving;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace InferenceService.Errors;

/// <summary>
/// The last line: anything an endpoint did not turn into an answer. Kestrel's own request errors (a body over the
/// limit, a malformed request) keep their 4xx status; everything else is a 500 whose body says only that the
/// server failed, and whose details go to the log, never to the client.
/// </summary>
internal sealed partial class UnhandledErrorHandler(ILogger<UnhandledErrorHandler> logger, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        InferenceException error;
        int status;
        switch (exception)
        {
            case InferenceException inference:
                error = inference;
                status = ClientErrors.StatusCodeOf(inference.Kind);
                break;
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                error = new InferenceException(InferenceErrorKind.PayloadTooLarge, "The request body is larger than the server accepts.");
                status = StatusCodes.Status413PayloadTooLarge;
                break;
            case BadHttpRequestException bad:
                error = InferenceException.InvalidInput("The request is malformed.");
                status = bad.StatusCode;
                break;
            default:
                LogUnhandled(logger, context.Request.Method, context.Request.Path, exception);
                error = new InferenceException(InferenceErrorKind.InvalidInput, "The server failed to process the request.");
                status = StatusCodes.Status500InternalServerError;
                break;
        }

        context.Response.StatusCode = status;
        if (ClientErrors.IsProtocolPath(context.Request.Path))
        {
            await context.Response.WriteAsJsonAsync(new ErrorResponse(error.Message), json.Value.SerializerOptions, cancellationToken);
        }
        else
        {
            var problem = new ProblemDetails { Status = status, Title = error.Message, Instance = context.Request.Path };
            await context.Response.WriteAsJsonAsync(problem, json.Value.SerializerOptions, "application/problem+json", cancellationToken);
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
