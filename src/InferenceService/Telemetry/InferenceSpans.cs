using InferenceService.Engine.Scheduling;
using System.Diagnostics;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Telemetry;

namespace InferenceService.Telemetry;

/// <summary>
/// The service's spans, made once a request is answered, with the times measured along the way: an "inference" span
/// under ASP.NET Core's request span, and inside it a "queue" span and a "run" span from the engine's stage timings.
/// Made after the fact because the queue and Run happen inside the engine (and, batched, once for many requests).
/// Nothing is made unless something listens to the service's ActivitySource.
/// </summary>
internal static class InferenceSpans
{
    public const string RequestSpan = "inference";
    public const string QueueSpan = "queue";
    public const string RunSpan = "run";
    public const string BatchSizeTag = "batch.size";
    public const string BatchRequestsTag = "batch.requests";
    public const string StatusCodeTag = "http.response.status_code";

    public static readonly ActivitySource Source = new(TelemetryNames.ActivitySource);

    /// <param name="request">What the endpoint learned.</param>
    /// <param name="model">The model tag (empty for a model the repository does not have).</param>
    /// <param name="version">The version tag.</param>
    /// <param name="outcome">How the request ended.</param>
    /// <param name="statusCode">The answer's status code.</param>
    /// <param name="startedAt">When the request reached the service's middleware (time of day).</param>
    /// <param name="started">The same moment as a <see cref="Stopwatch"/> timestamp, to place the engine's timestamps.</param>
    /// <param name="elapsed">How long the request took.</param>
    public static void Record(InferenceRecord request, string model, string version, string outcome, int statusCode,
        DateTimeOffset startedAt, long started, TimeSpan elapsed)
    {
        if (!Source.HasListeners())
        {
            return;
        }
        using var span = Source.StartActivity(model.Length > 0 ? $"{RequestSpan} {model}" : RequestSpan, ActivityKind.Internal,
            parentContext: default, tags: Tags(model, version), startTime: startedAt);
        if (span is null)
        {
            return;
        }
        span.SetTag(TelemetryNames.OutcomeTag, outcome);
        span.SetTag(StatusCodeTag, statusCode);
        if (outcome == RequestOutcomes.Failed)
        {
            span.SetStatus(ActivityStatusCode.Error);
        }
        if (request.Timings is { } timings && request.EngineCompleted is { } completed)
        {
            var runEnd = startedAt + Stopwatch.GetElapsedTime(started, completed) - timings.Scatter;
            var runStart = runEnd - timings.Run;
            var queueEnd = runStart - timings.Gather;
            Child(span, QueueSpan, queueEnd - timings.Queue, queueEnd, model, version, timings);
            Child(span, RunSpan, runStart, runEnd, model, version, timings);
        }
        span.SetEndTime((startedAt + elapsed).UtcDateTime);
    }

    private static void Child(Activity parent, string name, DateTimeOffset start, DateTimeOffset end, string model, string version, StageTimings timings)
    {
        using var span = Source.StartActivity(name, ActivityKind.Internal, parent.Context, Tags(model, version), startTime: start);
        if (span is null)
        {
            return;
        }
        span.SetTag(BatchSizeTag, timings.BatchSize);
        span.SetTag(BatchRequestsTag, timings.BatchRequests);
        span.SetEndTime(end.UtcDateTime);
    }

    private static KeyValuePair<string, object?>[] Tags(string model, string version) =>
    [
        new(TelemetryNames.ModelTag, model),
        new(TelemetryNames.VersionTag, version),
    ];
}
