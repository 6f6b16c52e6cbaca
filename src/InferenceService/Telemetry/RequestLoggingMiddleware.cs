namespace InferenceService.Telemetry;

/// <summary>
/// One structured log event per request: method, route, model, version, status and elapsed time. Never a body,
/// a query string or a header value, which could carry data or credentials.
/// </summary>
internal sealed partial class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> logger, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsedMs = time.GetElapsedTime(started).TotalMilliseconds;
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? "";
            var inference = context.Features.Get<InferenceRequestFeature>();
            var status = context.Response.StatusCode;
            var level = status >= 500 ? LogLevel.Error : status >= 400 ? LogLevel.Warning : LogLevel.Information;
            if (inference is null)
            {
                LogRequest(logger, level, context.Request.Method, route, status, elapsedMs);
            }
            else
            {
                LogInference(logger, level, context.Request.Method, route, inference.Model, inference.Version, status, elapsedMs, inference.Timings?.Queue.TotalMilliseconds, inference.Timings?.Run.TotalMilliseconds);
            }
        }
    }

    [LoggerMessage(EventId = 100, Message = "HTTP {Method} {Route} answered {StatusCode} in {ElapsedMs:F2} ms")]
    private static partial void LogRequest(ILogger logger, LogLevel level, string method, string route, int statusCode, double elapsedMs);

    [LoggerMessage(EventId = 101, Message = "HTTP {Method} {Route} model {Model} version {Version} answered {StatusCode} in {ElapsedMs:F2} ms (queue {QueueMs:F2} ms, run {RunMs:F2} ms)")]
    private static partial void LogInference(ILogger logger, LogLevel level, string method, string route, string? model, string? version, int statusCode, double elapsedMs, double? queueMs, double? runMs);
}
