using InferenceService.LoadGenerator.Cli;

namespace InferenceService.LoadGenerator.Tests.Cli;

public class ValueParsersTests
{
    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("30", 30_000)]
    [InlineData(" 3S ", 3_000)]
    [InlineData("0", 0)]
    public void TryParseDuration_NumberWithUnit_IsThatDuration(string text, double expectedMs)
    {
        Assert.True(ValueParsers.TryParseDuration(text, out var duration));
        Assert.Equal(expectedMs, duration.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1s")]
    [InlineData("ten seconds")]
    [InlineData("10h")]
    [InlineData("1e3s")]
    [InlineData(null)]
    public void TryParseDuration_Anything_else_IsRefused(string? text) =>
        Assert.False(ValueParsers.TryParseDuration(text, out _));

    [Fact]
    public void TryParseList_CommaSeparated_KeepsTheOrder()
    {
        Assert.True(ValueParsers.TryParseList("1, 8,32", out var values));
        Assert.Equal([1.0, 8, 32], values);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1,,2")]
    [InlineData("4,-8")]
    [InlineData("eight")]
    [InlineData("")]
    public void TryParseList_ZeroNegativeOrNotANumber_IsRefused(string text) =>
        Assert.False(ValueParsers.TryParseList(text, out _));

    [Theory]
    [InlineData(10_000, "10s")]
    [InlineData(250, "250ms")]
    [InlineData(1_500, "1500ms")]
    public void Format_Duration_IsWhatTheCommandLineAccepts(double ms, string expected)
    {
        var text = ValueParsers.Format(TimeSpan.FromMilliseconds(ms));

        Assert.Equal(expected, text);
        Assert.True(ValueParsers.TryParseDuration(text, out var back));
        Assert.Equal(ms, back.TotalMilliseconds);
    }
}
