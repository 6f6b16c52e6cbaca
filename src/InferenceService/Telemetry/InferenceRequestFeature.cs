using InferenceService.Engine.Serving;

namespace InferenceService.Telemetry;

/// <summary>What an inference endpoint learned about a request, for the request log line.</summary>
internal sealed class InferenceRequestFeature
{
    public string? Model { get; set; }

    public string? Version { get; set; }

    /// <summary>The engine's stage timings and batch size; null when the request did not reach a Run.</summary>
    public StageTimings? Timings { get; set; }

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
