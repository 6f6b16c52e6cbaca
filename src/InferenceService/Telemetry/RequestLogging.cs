using InferenceService.Engine;
using System.Diagnostics;
using InferenceService.Engine.Telemetry;
using Serilog;
using Serilog.Events;

namespace InferenceService.Telemetry;

/// <summary>
/// One structured log event per request, from Serilog.AspNetCore's request logging: method, route, status, outcome,
/// elapsed time, trace id and request id; for an inference also the model, version, queue and compute times, batch
/// size and prediction id; the API key's id when the route needs a scope. Never a body, a query string or a header value, which could carry data or credentials.
/// 5xx answers are errors, 4xx warnings, and probes and scrapes that succeed are logged at Debug, so they do not drown
/// the requests that matter.
/// </summary>
internal static class RequestLogging
{
    /// <summary>The request events' category (SourceContext): Serilog's middleware logs them under its own type.</summary>
    public const string Category = "Serilog.AspNetCore.RequestLoggingMiddleware";

    /// <summary>Client-chosen text (a model name, a prediction id) is cut to this length in the log.</summary>
    internal const int MaxClientTextLength = 128;

    public const string MessageTemplate =
        "HTTP {Method} {Route} answered {StatusCode} ({Outcome}) in {ElapsedMs:F2} ms; trace {TraceId}, request {RequestId}";

    public static IApplicationBuilder UseInferenceRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(options =>
        {
            // The host's logger: the default, Serilog's static Log.Logger, is not the one the host configured.
            options.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();
            options.MessageTemplate = MessageTemplate;
            options.GetLevel = LevelOf;
            options.EnrichDiagnosticContext = AddInferenceFields;
            options.GetMessageTemplateProperties = (context, _, elapsedMs, statusCode) => RequestFields(context, elapsedMs, InferenceRecord.Of(context)?.AnswerStatus ?? statusCode);
        });

    /// <summary>Whether a path is a health probe or the metrics scrape: frequent, and only worth seeing when debugging.</summary>
    public static bool IsProbeOrScrape(PathString path) =>
        path == MetricsEndpoint.Path || path.StartsWithSegments("/health") || path.StartsWithSegments("/v2/health");

    private static LogEventLevel LevelOf(HttpContext context, double elapsedMs, Exception? exception)
    {
        // An exception that got past the error handler (the answer had already started) is the server's failure.
        var status = exception is null ? InferenceRecord.StatusOf(context) : StatusCodes.Status500InternalServerError;
        // Shedding load is the server working as designed: summed up by the overload log, not one error each.
        if (exception is null && status == StatusCodes.Status503ServiceUnavailable && InferenceRecord.Of(context)?.Error == Engine.InferenceErrorKind.Overloaded)
        {
            return LogEventLevel.Debug;
        }
        return status >= 500 ? LogEventLevel.Error
            : status >= 400 ? LogEventLevel.Warning
            : IsProbeOrScrape(context.Request.Path) ? LogEventLevel.Debug
            : LogEventLevel.Information;
    }

    /// <summary>
    /// The caller's key id (never the key; absent on open routes, null for an anonymous caller), then what an
    /// inference endpoint learned: those properties are there (possibly null) for every inference and absent otherwise.
    /// </summary>
    private static void AddInferenceFields(IDiagnosticContext log, HttpContext context)
    {
        if (Security.Caller.Of(context) is { } caller)
        {
            log.Set("KeyId", caller.KeyId);
        }
        if (InferenceRecord.Of(context) is not { } inference)
        {
            return;
        }
        var timings = inference.Timings;
        log.Set("Model", Shorten(inference.Model));
        log.Set("Version", inference.Version);
        log.Set("QueueMs", timings?.Queue.TotalMilliseconds);
        log.Set("ComputeMs", timings?.Run.TotalMilliseconds);
        log.Set("BatchSize", timings?.BatchSize);
        log.Set("PredictionId", Shorten(inference.PredictionId));
    }

    /// <summary>The message's properties, under our names rather than Serilog's defaults (RequestMethod, RequestPath, Elapsed).</summary>
    /// <remarks>The route template is logged rather than the path, whose segments are client-chosen.</remarks>
    /// <param name="context">The request.</param>
    /// <param name="elapsedMs">How long the request took.</param>
    /// <param name="statusCode">The answer's status; 500 for an exception that escaped.</param>
    private static LogEventProperty[] RequestFields(HttpContext context, double elapsedMs, int statusCode) =>
    [
        new("Method", new ScalarValue(context.Request.Method)),
        new("Route", new ScalarValue(RouteOf(context))),
        new("StatusCode", new ScalarValue(statusCode)),
        new("Outcome", new ScalarValue(RequestOutcomes.FromStatusCode(statusCode))),
        new("ElapsedMs", new ScalarValue(elapsedMs)),
        new("TraceId", new ScalarValue(Activity.Current?.TraceId.ToHexString() ?? "")),
        new("RequestId", new ScalarValue(context.TraceIdentifier)),
    ];

    /// <summary>The route template that matched ("/v2/models/{model}/infer"), else the path; a group's "" route loses its trailing '/'.</summary>
    private static string RouteOf(HttpContext context)
    {
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? "";
        return route.Length > 1 ? route.TrimEnd('/') : route;
    }

    private static string? Shorten(string? text) =>
        text is null || text.Length <= MaxClientTextLength ? text : string.Concat(text.AsSpan(0, MaxClientTextLength), "…");
}
