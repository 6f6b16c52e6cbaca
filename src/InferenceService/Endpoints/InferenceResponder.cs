using System.Diagnostics;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Telemetry;

namespace InferenceService.Endpoints;

/// <summary>
/// What both inference APIs do once the inputs are decoded: run, record stage times, stamp the prediction id, record
/// the prediction for accuracy, write the answer.
/// </summary>
internal static class InferenceResponder
{
    public delegate Task ResponseWriter(HttpResponse response, InferenceResult result, string id, CancellationToken cancellationToken);

    public static async Task RespondAsync(
        HttpContext context,
        InferencePipeline pipeline,
        AccuracyTracker accuracy,
        LoadedModel model,
        IReadOnlyList<InputTensor> inputs,
        IReadOnlyList<string>? outputNames,
        string? requestId,
        InlineTargets targets,
        TimeSpan? queueTimeout,
        ResponseWriter write,
        CancellationToken cancellationToken)
    {
        using var result = await pipeline.InferAsync(model, inputs, outputNames, cancellationToken, queueTimeout);
        var telemetry = InferenceRequestFeature.For(context);
        telemetry.EngineCompleted = Stopwatch.GetTimestamp();
        telemetry.Timings = result.Timings;
        var id = string.IsNullOrEmpty(requestId) ? PredictionIds.New() : requestId;
        // Before the answer is written and its tensors disposed: what feedback needs is copied out, and inline
        // targets are scored now (targets that do not fit the outputs are the client's 400, before any answer).
        accuracy.Record(result, id, targets.Value, targets.Name);
        telemetry.PredictionId = PredictionIds.HeaderValue(id);
        context.Response.Headers[PredictionIds.HeaderName] = telemetry.PredictionId;
        await write(context.Response, result, id, cancellationToken);
        telemetry.Encode = Stopwatch.GetElapsedTime(telemetry.EngineCompleted.Value);
    }
}
