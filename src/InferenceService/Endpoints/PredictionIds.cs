namespace InferenceService.Endpoints;

/// <summary>Every answer carries a prediction id: the request's own, or a new one.</summary>
internal static class PredictionIds
{
    public const string HeaderName = "X-Prediction-Id";

    public static string New() => Guid.CreateVersion7().ToString("N");
}
