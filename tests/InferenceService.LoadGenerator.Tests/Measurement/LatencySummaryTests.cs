using System.Diagnostics;
using InferenceService.LoadGenerator.Measurement;

namespace InferenceService.LoadGenerator.Tests.Measurement;

public class LatencySummaryTests
{
    private static long Ms(double ms) => (long)(ms * Stopwatch.Frequency / 1000.0);

    [Fact]
    public void FromTicks_UnsortedMilliseconds_GivesPercentilesMaxAndMeanInMilliseconds()
    {
        var ticks = new[] { 5.0, 1, 3, 2, 4, 6, 7, 8, 9, 100 }.Select(Ms).ToArray();

        var summary = LatencySummary.FromTicks(ticks)!;

        Assert.Equal(10, summary.Count);
        Assert.Equal(5, summary.P50Ms, 3);
        Assert.Equal(9, summary.P90Ms, 3);
        Assert.Equal(100, summary.P99Ms, 3);
        Assert.Equal(100, summary.MaxMs, 3);
        Assert.Equal(14.5, summary.MeanMs, 3);
    }

    [Fact]
    public void FromTicks_Empty_IsNull() => Assert.Null(LatencySummary.FromTicks([]));
}
