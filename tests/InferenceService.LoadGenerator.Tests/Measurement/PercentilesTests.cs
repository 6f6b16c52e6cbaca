using InferenceService.LoadGenerator.Measurement;

namespace InferenceService.LoadGenerator.Tests.Measurement;

public class PercentilesTests
{
    private static readonly long[] s_oneToHundred = Enumerable.Range(1, 100).Select(i => (long)i).ToArray();

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(50, 50)]
    [InlineData(90, 90)]
    [InlineData(99, 99)]
    [InlineData(99.5, 100)]
    [InlineData(100, 100)]
    public void Of_OneToHundred_IsTheNearestRank(double percent, long expected) =>
        Assert.Equal(expected, Percentiles.Of(s_oneToHundred, percent));

    [Fact]
    public void Of_TenSamples_P99IsTheLargestAndP50TheFifth()
    {
        long[] sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 1000];

        Assert.Equal(50, Percentiles.Of(sorted, 50));
        Assert.Equal(90, Percentiles.Of(sorted, 90));
        Assert.Equal(1000, Percentiles.Of(sorted, 99));
    }

    [Fact]
    public void Of_ThousandSamplesWithElevenOutliers_P99IsAnOutlierAndP98IsNot()
    {
        var sorted = Enumerable.Repeat(1L, 989).Concat(Enumerable.Repeat(500L, 11)).ToArray();

        Assert.Equal(500, Percentiles.Of(sorted, 99));
        Assert.Equal(1, Percentiles.Of(sorted, 98.9));
    }

    [Fact]
    public void Of_OneSample_IsThatSampleForEveryPercent()
    {
        Assert.Equal(7, Percentiles.Of([7], 0));
        Assert.Equal(7, Percentiles.Of([7], 50));
        Assert.Equal(7, Percentiles.Of([7], 100));
    }

    [Fact]
    public void Of_NoSamples_Throws() => Assert.Throws<ArgumentException>(() => Percentiles.Of([], 50));

    [Theory]
    [InlineData(-1)]
    [InlineData(100.1)]
    [InlineData(double.NaN)]
    public void Of_PercentOutsideZeroToHundred_Throws(double percent) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Of(s_oneToHundred, percent));
}
