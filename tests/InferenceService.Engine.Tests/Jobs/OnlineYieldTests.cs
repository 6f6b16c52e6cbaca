using InferenceService.Engine.Jobs;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Jobs;

public class OnlineYieldTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly OnlineActivity _online;

    public OnlineYieldTests() => _online = new OnlineActivity(_time);

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    [Fact]
    public void RowsPerRequest_OnlineTraffic_CutToTheRowsWhileOnline()
    {
        var yielding = new OnlineYield(_online, 0.5, rowsWhileOnline: 16);

        Assert.Equal(64, yielding.RowsPerRequest(64)); // no online request yet
        _online.Record();
        Assert.Equal(16, yielding.RowsPerRequest(64));
        Assert.Equal(8, yielding.RowsPerRequest(8)); // never more than the batch size
        _time.Advance(OnlineYield.Window + TimeSpan.FromMilliseconds(1));
        Assert.Equal(64, yielding.RowsPerRequest(64)); // the traffic stopped
    }

    [Fact]
    public void RowsPerRequest_NoCutSet_AlwaysTheBatchSize()
    {
        var yielding = new OnlineYield(_online, 0.5);
        _online.Record();

        Assert.Equal(64, yielding.RowsPerRequest(64));
    }

    [Fact]
    public void PauseAfter_NoOnlineTraffic_NeverPauses()
    {
        var yielding = new OnlineYield(_online, 0.5);

        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(TimeSpan.Zero, yielding.PauseAfter(Ms(5))));
    }

    [Theory]
    [InlineData(0.5, 1.0)] // work half the time: pause as long as it worked
    [InlineData(0.25, 3.0)]
    [InlineData(0.8, 0.25)]
    public void PauseAfter_OnlineTraffic_PausesSoTheJobWorksItsShareOfTheTime(double share, double pausePerWork)
    {
        var yielding = new OnlineYield(_online, share);
        _online.Record();

        var pause = yielding.PauseAfter(Ms(10));

        Assert.Equal(Ms(10 * pausePerWork), pause);
    }

    [Fact]
    public void PauseAfter_ShortStretches_GatheredUntilThePauseIsWorthATimer()
    {
        var yielding = new OnlineYield(_online, 0.5);
        _online.Record();

        Assert.Equal(TimeSpan.Zero, yielding.PauseAfter(Ms(0.75)));
        Assert.Equal(TimeSpan.Zero, yielding.PauseAfter(Ms(0.75)));
        Assert.Equal(Ms(2.25), yielding.PauseAfter(Ms(0.75)));
        Assert.Equal(TimeSpan.Zero, yielding.PauseAfter(Ms(0.75))); // the owed time starts again from zero
    }

    [Fact]
    public void PauseAfter_OnlineTrafficOlderThanTheWindow_StopsPausingAndForgetsWhatWasOwed()
    {
        var yielding = new OnlineYield(_online, 0.5);
        _online.Record();
        Assert.Equal(TimeSpan.Zero, yielding.PauseAfter(Ms(1.5)));

        _time.Advance(OnlineYield.Window + Ms(1));
        Assert.Equal(TimeSpan.Zero, yielding.PauseAfter(Ms(1.5)));

        _online.Record();
        Assert.Equal(TimeSpan.Zero, yielding.PauseAfter(Ms(1.5))); // 1.5 ms owed, not 3
        Assert.Equal(Ms(3), yielding.PauseAfter(Ms(1.5)));
    }

    [Fact]
    public void PauseAfter_ShareOfOne_NeverPausesEvenUnderOnlineTraffic()
    {
        var yielding = new OnlineYield(_online, 1);
        _online.Record();

        Assert.Equal(TimeSpan.Zero, yielding.PauseAfter(Ms(50)));
    }

    [Fact]
    public void SeenWithin_TheWindowFromTheLastRequest()
    {
        Assert.False(_online.SeenWithin(OnlineYield.Window));
        _online.Record();
        _time.Advance(OnlineYield.Window);
        Assert.True(_online.SeenWithin(OnlineYield.Window));
        _time.Advance(Ms(1));
        Assert.False(_online.SeenWithin(OnlineYield.Window));
    }

    [Fact]
    public void HandOverCores_WhileOnlineRequestsArrive_HoldsTheShortSlicesAndLetsThemGoAfter()
    {
        using var yielding = new OnlineYield(_online, 1, slice: TimeSpan.FromMicroseconds(100));

        yielding.HandOverCores();
        Assert.False(yielding.HoldsShortSlices); // no online request yet: the job runs alone
        _online.Record();
        yielding.HandOverCores();
        Assert.True(yielding.HoldsShortSlices);
        _time.Advance(OnlineYield.Window + TimeSpan.FromMilliseconds(1));
        yielding.HandOverCores();
        Assert.False(yielding.HoldsShortSlices);
    }

    [Fact]
    public void HandOverCores_SliceOff_NeverHolds()
    {
        using var yielding = new OnlineYield(_online, 1);
        _online.Record();

        yielding.HandOverCores();

        Assert.False(yielding.HoldsShortSlices);
    }
}
