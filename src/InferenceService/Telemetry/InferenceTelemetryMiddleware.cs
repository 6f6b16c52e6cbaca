using System.Diagnostics;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Telemetry;

namespace InferenceService.Telemetry;

/// <summary>
/// Records each inference request's metrics and spans once its answer is known: the status code gives the outcome
/// and <see cref="InferenceRecord"/> gives the model, version and stage times. Requests that are not
/// inferences (health, metadata, /metrics) are left to ASP.NET Core's own metrics.
/// </summary>
internal sealed class InferenceTelemetryMiddleware(RequestDelegate next, InferenceMetrics metrics, ModelRegistry registry)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var completed = false;
        try
        {
            await next(context);
            completed = true;
        }
        finally
        {
            if (InferenceRecord.Of(context) is { } request)
            {
                Record(context, request, completed, startedAt, started);
            }
        }
    }

    private void Record(HttpContext context, InferenceRecord request, bool completed, DateTimeOffset startedAt, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        // An exception that got past the error handler (the answer had already started) is the server's failure.
        var status = completed ? context.Response.StatusCode : StatusCodes.Status500InternalServerError;
        var outcome = RequestOutcomes.FromStatusCode(status);
        // Only models the repository has become label values: names clients invent would be unbounded series.
        // (A resolved version means the repository has the model.)
        var known = request.Model is not null && (request.Version is not null || registry.Find(request.Model) is not null);
        var model = known ? request.Model! : "";
        var version = known ? request.Version ?? "" : "";

        metrics.RecordRequest(model, version, outcome, elapsed);
        if (request.Timings is { } timings)
        {
            metrics.RecordStages(model, version, timings, request.Decode, request.Encode);
        }
        InferenceSpans.Record(request, model, version, outcome, status, startedAt, started, elapsed);
    }
}
