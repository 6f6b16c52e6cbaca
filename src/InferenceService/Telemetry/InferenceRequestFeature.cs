namespace InferenceService.Telemetry;

/// <summary>What an inference endpoint learned about a request, for the request log line.</summary>
internal sealed class InferenceRequestFeature
{
    public string? Model { get; set; }

    public string? Version { get; set; }

    public double? QueueMs { get; set; }

    public double? RunMs { get; set; }

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
