using InferenceService.Engine.Scheduling;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>
/// When an idle instance holds a batch that could still grow, and for how long: only while at least one more row is
/// expected within the time a Run's fixed cost makes worth waiting, and never past the oldest request's deadline.
/// Times are plain ticks.
/// </summary>
public sealed class BatchWaitEstimatorTests
{
    private const long Delay = 10_000;

    /// <summary>Runs of 1 and 4 rows costing 1000 and 1030 ticks: a fixed cost of 990, 10 a row.</summary>
    private static BatchWaitEstimator CostlyRuns()
    {
        var estimates = new BatchWaitEstimator(Delay);
        estimates.RecordRun(1, 1000);
        estimates.RecordRun(4, 1030);
        return estimates;
    }

    /// <summary>One-row requests <paramref name="gap"/> ticks apart, the last at <paramref name="last"/>.</summary>
    private static void Arrivals(BatchWaitEstimator estimates, long gap, long last, int count = 10, int rows = 1)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            estimates.RecordArrival(last - i * gap, rows);
        }
    }

    [Fact]
    public void HoldUntil_NothingSeenYet_SendsNow() =>
        Assert.Equal(500, new BatchWaitEstimator(Delay).HoldUntil(500, 500, 500 + Delay));

    [Fact]
    public void HoldUntil_RunsOfOneSizeOnly_SendsNowSinceTheFixedCostIsUnknown()
    {
        var estimates = new BatchWaitEstimator(Delay);
        for (var i = 0; i < 20; i++)
        {
            estimates.RecordRun(1, 1000);
        }
        Arrivals(estimates, gap: 1, last: 50_000);

        Assert.Equal(0, estimates.FixedRunCost);
        Assert.Equal(50_000, estimates.HoldUntil(50_000, 50_000, 50_000 + Delay));
    }

    [Fact]
    public void FixedRunCost_RunsOfTwoSizes_IsTheInterceptOfTheLineThroughThem() =>
        Assert.Equal(990, CostlyRuns().FixedRunCost, precision: 6);

    [Fact]
    public void FixedRunCost_BiggerBatchesNoDearer_TheWholeCostIsFixed()
    {
        var estimates = new BatchWaitEstimator(Delay);
        estimates.RecordRun(1, 1000);
        estimates.RecordRun(8, 900);

        Assert.InRange(estimates.FixedRunCost, 900, 1000); // the (weighted) mean: a negative slope counts as none
    }

    [Fact]
    public void HoldUntil_ArrivalsFurtherApartThanTheFixedCost_SendsNow()
    {
        var estimates = CostlyRuns();
        Arrivals(estimates, gap: 2000, last: 100_000);

        Assert.Equal(100_000, estimates.HoldUntil(100_000, 100_000, 100_000 + Delay));
    }

    [Fact]
    public void HoldUntil_ArrivalsCloserThanTheFixedCost_HoldsUntilOneGapBeforeTheFixedCostIsSpent()
    {
        var estimates = CostlyRuns();
        Arrivals(estimates, gap: 100, last: 100_000);

        // Rows come every 100 ticks; a Run fewer saves 990: hold while one more is expected before 100 000 + 990.
        Assert.Equal(100_890, estimates.HoldUntil(100_000, 100_000, 100_000 + Delay));
    }

    [Fact]
    public void HoldUntil_RequestsOfSeveralRows_CountsRowsNotRequests()
    {
        var estimates = CostlyRuns();
        Arrivals(estimates, gap: 400, last: 100_000, rows: 4);

        Assert.Equal(100_890, estimates.HoldUntil(100_000, 100_000, 100_000 + Delay)); // 100 ticks a row, as above
    }

    [Fact]
    public void HoldUntil_DeadlineBeforeTheFixedCostIsSpent_EndsBeforeTheDeadline()
    {
        var estimates = CostlyRuns();
        Arrivals(estimates, gap: 100, last: 100_000);

        Assert.Equal(100_200, estimates.HoldUntil(100_000, 100_000, deadline: 100_300));
    }

    [Fact]
    public void HoldUntil_LaterLook_CountsFromWhenTheHoldStarted()
    {
        var estimates = CostlyRuns();
        Arrivals(estimates, gap: 100, last: 100_000);

        Assert.Equal(100_890, estimates.HoldUntil(100_050, holdStarted: 100_000, 100_000 + Delay));
        Assert.Equal(100_900, estimates.HoldUntil(100_900, holdStarted: 100_000, 100_000 + Delay)); // past it: now
    }

    [Fact]
    public void TicksPerRow_QuietForLongerThanTheMeanGap_TheQuietSpellCounts()
    {
        var estimates = CostlyRuns();
        Arrivals(estimates, gap: 100, last: 100_000);

        Assert.Equal(100, estimates.TicksPerRow(100_000), precision: 6);
        Assert.Equal(700, estimates.TicksPerRow(100_700), precision: 6);
        Assert.Equal(100_700, estimates.HoldUntil(100_700, 100_000, 100_000 + Delay)); // no row came: it goes
    }

    [Fact]
    public void RecordArrival_GapsLongerThanTheDelay_CountAsTheDelaySoTheyNeverCauseAHold()
    {
        var estimates = new BatchWaitEstimator(maxQueueDelayTicks: 500);
        estimates.RecordRun(1, 100_000);
        estimates.RecordRun(4, 100_030); // a fixed cost far above the delay
        Arrivals(estimates, gap: 1_000_000, last: 50_000_000);

        Assert.Equal(500, estimates.TicksPerRow(50_000_000), precision: 6);
        Assert.Equal(50_000_000, estimates.HoldUntil(50_000_000, 50_000_000, 50_000_500)); // 1 row expected within 500: not more
    }

    [Fact]
    public void RecordRun_AnOutlier_CountsAsFourTimesThePrediction()
    {
        var estimates = CostlyRuns();

        estimates.RecordRun(1, 100_000_000); // descheduled for a long while

        Assert.InRange(estimates.FixedRunCost, 990, 4 * 1000);
    }
}
