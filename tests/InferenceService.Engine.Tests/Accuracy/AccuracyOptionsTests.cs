using InferenceService.Engine.Accuracy;

namespace InferenceService.Engine.Tests.Accuracy;

public sealed class AccuracyOptionsTests
{
    [Fact]
    public void Validate_Defaults_AreValid()
    {
        var options = new AccuracyOptions();

        Assert.Empty(options.Validate());
        Assert.Equal(["last_1000", "last_10000", "last_1h"], RollingWindow.From(options).Select(w => w.Name));
    }

    [Fact]
    public void Validate_EveryBadSetting_IsReportedAtOnce()
    {
        var options = new AccuracyOptions
        {
            MaxStoredPredictions = -1,
            PredictionTtl = TimeSpan.Zero,
            MaxStoredValuesPerOutput = 0,
            MaxConfusionMatrixClasses = 0,
            MaxClasses = 0,
            RowWindows = [0, 5, 5],
            TimeWindows = [TimeSpan.FromMilliseconds(10)],
        };

        var problems = options.Validate();

        Assert.Equal(8, problems.Count);
        Assert.Contains(problems, p => p.Contains("Accuracy:RowWindows entries must be from 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("must not repeat a window", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public void Validate_RedisWriteDelayOutOfRange_IsReported(int milliseconds)
    {
        var redis = new RedisAccuracyOptions { Configuration = "localhost:6379", WriteDelay = TimeSpan.FromMilliseconds(milliseconds) };

        var problem = Assert.Single(redis.Validate());

        Assert.Contains("Accuracy:Redis:WriteDelay must be zero or longer and at most a second", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RedisWriteDelayZero_IsValid()
    {
        Assert.Empty(new RedisAccuracyOptions { Configuration = "localhost:6379", WriteDelay = TimeSpan.Zero }.Validate());
    }

    [Fact]
    public void From_ConfiguredWindows_ReplaceTheDefaultsInOrder()
    {
        var options = new AccuracyOptions { RowWindows = [500, 50], TimeWindows = [TimeSpan.FromDays(1), TimeSpan.FromMinutes(5)] };

        Assert.Equal(["last_50", "last_500", "last_5m", "last_1d"], RollingWindow.From(options).Select(w => w.Name));
    }
}
