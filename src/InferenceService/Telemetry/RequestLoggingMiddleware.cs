using System.Diagnostics;
using InferenceService.Engine.Telemetry;
using InferenceService.Telemetry.Prometheus;

namespace InferenceService.Telemetry;

/// <summary>
/// One structured log event per request: method, route, status, outcome, elapsed time, trace id and request id; for
/// an inference also the model, version, queue and compute times, batch size and prediction id. Never a body, a query
/// string or a header value, which could carry data or credentials. Probes and scrapes that succeed are logged at
/// Debug, so they do not drown the requests that matter.
/// </summary>
internal sealed partial class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> logger, TimeProvider time)
{
    /// <summary>Client-chosen text (a model name, a prediction id) is cut to this length in the log.</summary>
    internal const int MaxClientTextLength = 128;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        var completed = false;
        try
        {
            await next(context);
            completed = true;
        }
        finally
        {
            var elapsedMs = time.GetElapsedTime(started).TotalMilliseconds;
            // An exception that got past the error handler (the answer had already started) is the server's failure.
            var status = completed ? context.Response.StatusCode : StatusCodes.Status500InternalServerError;
            var outcome = RequestOutcomes.FromStatusCode(status);
            var route = RouteOf(context);
            var traceId = Activity.Current?.TraceId.ToHexString() ?? "";
            var requestId = context.TraceIdentifier;
            var level = status >= 500 ? LogLevel.Error
                : status >= 400 ? LogLevel.Warning
                : IsProbeOrScrape(route) ? LogLevel.Debug
                : LogLevel.Information;
            if (context.Features.Get<InferenceRequestFeature>() is { } inference)
            {
                var timings = inference.Timings;
                LogInference(logger, level, context.Request.Method, route, Shorten(inference.Model), inference.Version, status, outcome, elapsedMs,
                    timings?.Queue.TotalMilliseconds, timings?.Run.TotalMilliseconds, timings?.BatchSize, traceId, requestId, Shorten(inference.PredictionId));
            }
            else
            {
                LogRequest(logger, level, context.Request.Method, route, status, outcome, elapsedMs, traceId, requestId);
            }
        }
    }

    /// <summary>The route template that matched ("/v2/models/{model}/infer"), else the path; a group's "" route loses its trailing '/'.</summary>
    private static string RouteOf(HttpContext context)
    {
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? "";
        return route.Length > 1 ? route.TrimEnd('/') : route;
    }

    private static bool IsProbeOrScrape(string route) =>
        route == MetricsApi.Path
        || route.StartsWith("/health/", StringComparison.Ordinal)
        || route.StartsWith("/v2/health/", StringComparison.Ordinal);

    private static string? Shorten(string? text) =>
        text is null || text.Length <= MaxClientTextLength ? text : string.Concat(text.AsSpan(0, MaxClientTextLength), "…");

    [LoggerMessage(EventId = 100, Message = "HTTP {Method} {Route} answered {StatusCode} ({Outcome}) in {ElapsedMs:F2} ms; trace {TraceId}, request {RequestId}")]
    private static partial void LogRequest(ILogger logger, LogLevel level, string method, string route, int statusCode, string outcome, double elapsedMs,
        string traceId, string requestId);

    [LoggerMessage(EventId = 101, Message = "HTTP {Method} {Route} model {Model} version {Version} answered {StatusCode} ({Outcome}) in {ElapsedMs:F2} ms " +
                                            "(queue {QueueMs:F2} ms, compute {ComputeMs:F2} ms, batch {BatchSize}); trace {TraceId}, request {RequestId}, prediction {PredictionId}")]
    private static partial void LogInference(ILogger logger, LogLevel level, string method, string route, string? model, string? version, int statusCode,
        string outcome, double elapsedMs, double? queueMs, double? computeMs, int? batchSize, string traceId, string requestId, string? predictionId);
}
