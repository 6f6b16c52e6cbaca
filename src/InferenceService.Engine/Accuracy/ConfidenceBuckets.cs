namespace InferenceService.Engine.Accuracy;

/// <summary>
/// The buckets of the top-1 confidence histogram, shared by the report and the metric so both tell the same story.
/// Finer near 1, where a confident model's rows gather.
/// </summary>
public static class ConfidenceBuckets
{
    /// <summary>Upper bounds (inclusive) of each bucket; the last is 1.</summary>
    public static IReadOnlyList<double> UpperBounds { get; } = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0];

    /// <summary>The bucket of a confidence in [0, 1]: the first whose upper bound is not below it.</summary>
    public static int IndexOf(double confidence)
    {
        var bounds = UpperBounds;
        for (var i = 0; i < bounds.Count - 1; i++)
        {
            if (confidence <= bounds[i])
            {
                return i;
            }
        }
        return bounds.Count - 1;
    }
}
