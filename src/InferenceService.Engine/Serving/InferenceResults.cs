using InferenceService.Engine.Scheduling;

namespace InferenceService.Engine.Serving;

/// <summary>The served model behind a result: the scheduler knows it only by name and version.</summary>
public static class InferenceResults
{
    /// <summary>The loaded model version that produced <paramref name="result"/> (its labels, configuration, outputs).</summary>
    public static LoadedModel LoadedModelOf(this InferenceResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return (LoadedModel)result.Model;
    }
}
