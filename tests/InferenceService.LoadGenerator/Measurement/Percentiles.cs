namespace InferenceService.LoadGenerator.Measurement;

/// <summary>
/// Percentiles by the nearest-rank method over a sorted array: the p-th percentile is the smallest sample that at
/// least p % of the samples do not exceed. Exact (a step keeps every sample; steps are bounded in count and time),
/// and always a value that was really observed, never an interpolation between two.
/// </summary>
internal static class Percentiles
{
    /// <summary>The nearest-rank percentile of <paramref name="sorted"/> (ascending). <paramref name="percent"/> is 0 to 100; 0 gives the minimum.</summary>
    public static long Of(ReadOnlySpan<long> sorted, double percent)
    {
        if (sorted.IsEmpty)
        {
            throw new ArgumentException("There is no percentile of no samples.", nameof(sorted));
        }
        if (double.IsNaN(percent) || percent is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "A percentile lies between 0 and 100.");
        }
        // Rank 1 is the smallest sample. Math.Ceiling(p/100 * n) with a tolerance, so 0.99 * 100 (= 99.00000000000001) is rank 99, not 100.
        var rank = (long)Math.Ceiling((percent / 100.0 * sorted.Length) - 1e-9);
        return sorted[(int)Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}
