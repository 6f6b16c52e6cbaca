using System.Diagnostics;

namespace InferenceService.LoadGenerator.Measurement;

/// <summary>What one group of answers took, in milliseconds: the percentiles a latency target is written in, the worst and the mean.</summary>
internal sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs, double MeanMs)
{
    /// <summary>Summarizes durations in <see cref="Stopwatch"/> ticks; sorts <paramref name="ticks"/> in place. Null when there are none.</summary>
    public static LatencySummary? FromTicks(long[] ticks)
    {
        if (ticks.Length == 0)
        {
            return null;
        }
        Array.Sort(ticks);
        double sum = 0;
        foreach (var t in ticks)
        {
            sum += t;
        }
        return new LatencySummary(
            ticks.Length,
            ToMs(Percentiles.Of(ticks, 50)),
            ToMs(Percentiles.Of(ticks, 90)),
            ToMs(Percentiles.Of(ticks, 99)),
            ToMs(ticks[^1]),
            ToMs(sum / ticks.Length));
    }

    private static double ToMs(double ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);
}
