using System.Diagnostics;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Telemetry;

namespace InferenceService.Telemetry;

/// <summary>
/// Records each inference request's metrics and spans once its answer is known: the status code gives the outcome
/// and <see cref="InferenceRecord"/> gives the model, version and stage times. Called by the inference routes' door
/// (<see cref="Endpoints.InferenceDoor"/>) around the rest of the request, so it adds no middleware (nor the
/// asynchronous frame each costs) to any request. Requests that are not inferences (health, metadata, /metrics) are
/// left to ASP.NET Core's own metrics.
/// </summary>
internal sealed class InferenceTelemetry(InferenceMetrics metrics, ModelRegistry registry)
{
    /// <param name="context">The request, answered.</param>
    /// <param name="request">What the endpoint's flow learned.</param>
    /// <param name="completed">False when an exception got past the error handler (the answer had already started): the server's failure.</param>
    /// <param name="startedAt">When the request reached the door (time of day).</param>
    /// <param name="started">The same moment as a <see cref="Stopwatch"/> timestamp.</param>
    public void Record(HttpContext context, InferenceRecord request, bool completed, DateTimeOffset startedAt, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        var status = completed ? request.AnswerStatus ?? context.Response.StatusCode : StatusCodes.Status500InternalServerError;
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
