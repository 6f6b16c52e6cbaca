using InferenceService.Engine.Serving;

namespace InferenceService.Telemetry;

/// <summary>What an inference endpoint learned about a request, for the request's log line, metrics and spans.</summary>
internal sealed class InferenceRequestFeature
{
    /// <summary>The model the request named (as the client wrote it: it may not exist).</summary>
    public string? Model { get; set; }

    /// <summary>The version that served it; null until the model was resolved.</summary>
    public string? Version { get; set; }

    /// <summary>The engine's stage timings and batch size; null when the request did not reach a Run.</summary>
    public StageTimings? Timings { get; set; }

    /// <summary>Reading and decoding the body into input tensors.</summary>
    public TimeSpan Decode { get; set; }

    /// <summary>Writing the answer.</summary>
    public TimeSpan Encode { get; set; }

    /// <summary>
    /// When the engine handed the result back (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), the end of the
    /// batch's scatter: the queue and Run spans are laid out backwards from it.
    /// </summary>
    public long? EngineCompleted { get; set; }

    /// <summary>The prediction id of the answer, as its header carries it (printable ASCII).</summary>
    public string? PredictionId { get; set; }

    public static InferenceRequestFeature For(HttpContext context)
    {
        var feature = context.Features.Get<InferenceRequestFeature>();
        if (feature is null)
        {
            feature = new InferenceRequestFeature();
            context.Features.Set(feature);
        }
        return feature;
    }
}
