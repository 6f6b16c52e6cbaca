using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Accuracy;

public sealed class RollingSummariesTests
{
    private readonly ManualTimeProvider _time = new();

    private static RollingSummaries<ClassificationSummary, ClassRow> Classes(params RollingWindow[] windows) => new(windows);

    private static ClassRow Right => new(1, 1);

    private static ClassRow Wrong => new(1, 0);

    [Fact]
    public void Summarize_RowWindows_EachCountsOnlyItsNewestRows()
    {
        var rolling = Classes(RollingWindow.LastRows(2), RollingWindow.LastRows(4));

        rolling.Add([Wrong, Wrong, Right, Right, Wrong, Right], _time.GetUtcNow());
        var summaries = rolling.Summarize(_time.GetUtcNow());

        // Newest first: Right, Wrong | Right, Right.
        Assert.Equal((2L, 1L), (summaries[0].Rows, summaries[0].Correct));
        Assert.Equal((4L, 3L), (summaries[1].Rows, summaries[1].Correct));
    }

    [Fact]
    public void Summarize_FewerRowsThanTheWindow_CountsEveryRow()
    {
        var rolling = Classes(RollingWindow.LastRows(1000));

        rolling.Add([Right, Wrong, Right], _time.GetUtcNow());

        var summary = Assert.Single(rolling.Summarize(_time.GetUtcNow()));
        Assert.Equal(3, summary.Rows);
        Assert.Equal(2.0 / 3, summary.Accuracy!.Value, 12);
    }

    [Fact]
    public void Summarize_RowWindowWrappedManyTimes_KeepsExactlyTheNewestRows()
    {
        var rolling = Classes(RollingWindow.LastRows(5));
        for (var i = 0; i < 1003; i++)
        {
            // Row i is right when i is divisible by 3: of the newest five (998..1002), 999 and 1002 are.
            rolling.Add([i % 3 == 0 ? Right : Wrong], _time.GetUtcNow());
        }

        var summary = Assert.Single(rolling.Summarize(_time.GetUtcNow()));

        Assert.Equal(5, summary.Rows);
        Assert.Equal(2, summary.Correct);
    }

    [Fact]
    public void Summarize_TimeWindow_DropsRowsOlderThanTheWindow()
    {
        var rolling = Classes(RollingWindow.LastTime(TimeSpan.FromHours(1)));
        rolling.Add([Right], _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMinutes(30));
        rolling.Add([Wrong, Wrong], _time.GetUtcNow());

        var both = Assert.Single(rolling.Summarize(_time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(31));
        var later = Assert.Single(rolling.Summarize(_time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(30));
        var none = Assert.Single(rolling.Summarize(_time.GetUtcNow()));

        Assert.Equal((3L, 1L), (both.Rows, both.Correct));
        Assert.Equal((2L, 0L), (later.Rows, later.Correct));
        Assert.Equal(0, none.Rows);
        Assert.Null(none.Accuracy);
    }

    [Fact]
    public void Add_AfterTheWindowWentRound_ReusesAStaleBucketWithoutItsOldRows()
    {
        var rolling = Classes(RollingWindow.LastTime(TimeSpan.FromMinutes(60)));
        rolling.Add([Right, Right], _time.GetUtcNow());

        // Exactly one window later the same bucket slot comes round again.
        _time.Advance(TimeSpan.FromMinutes(60));
        rolling.Add([Wrong], _time.GetUtcNow());

        var summary = Assert.Single(rolling.Summarize(_time.GetUtcNow()));
        Assert.Equal((1L, 0L), (summary.Rows, summary.Correct));
    }

    [Fact]
    public void Add_ClockGoesBackwards_CountsTheRowAsNow()
    {
        var rolling = Classes(RollingWindow.LastTime(TimeSpan.FromHours(1)));
        var start = _time.GetUtcNow();
        rolling.Add([Right], start);

        rolling.Add([Wrong], start - TimeSpan.FromHours(5));

        var summary = Assert.Single(rolling.Summarize(start));
        Assert.Equal(2, summary.Rows);
    }

    [Fact]
    public void Summarize_NumericRows_GiveMaeAndRmseOverEveryValue()
    {
        var rolling = new RollingSummaries<NumericSummary, NumericRow>([RollingWindow.LastRows(10)]);

        // Rows of errors {2, 0, 0} and {1, 1, 1}, {0, 0, 1}: 9 values, |e| sum 6, e² sum 8.
        rolling.Add([new NumericRow(2, 4, 3), new NumericRow(3, 3, 3), new NumericRow(1, 1, 3)], _time.GetUtcNow());

        var summary = Assert.Single(rolling.Summarize(_time.GetUtcNow()));
        Assert.Equal(9, summary.Values);
        Assert.Equal(6.0 / 9, summary.MeanAbsoluteError!.Value, 12);
        Assert.Equal(Math.Sqrt(8.0 / 9), summary.RootMeanSquaredError!.Value, 12);
    }

    [Theory]
    [InlineData(1, "last_1")]
    [InlineData(10000, "last_10000")]
    public void LastRows_Name_SaysTheRowCount(int rows, string expected) => Assert.Equal(expected, RollingWindow.LastRows(rows).Name);

    [Theory]
    [InlineData("01:00:00", "last_1h")]
    [InlineData("1.00:00:00", "last_1d")]
    [InlineData("00:15:00", "last_15m")]
    [InlineData("01:30:00", "last_90m")]
    [InlineData("00:00:30", "last_30s")]
    public void LastTime_Name_UsesTheLargestWholeUnit(string duration, string expected) =>
        Assert.Equal(expected, RollingWindow.LastTime(TimeSpan.Parse(duration, System.Globalization.CultureInfo.InvariantCulture)).Name);
}
