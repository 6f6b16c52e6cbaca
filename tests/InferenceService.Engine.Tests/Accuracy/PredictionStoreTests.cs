using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Accuracy;

public sealed class PredictionStoreTests
{
    private readonly ManualTimeProvider _time = new();

    private Prediction Made(string id, string model = "m", long version = 1) => new(new PredictionKey(model, version, id), _time.GetUtcNow(), []);

    private static PredictionKey Key(string id, string model = "m", long version = 1) => new(model, version, id);

    [Fact]
    public void Add_MoreThanCapacity_EvictsTheOldestFirst()
    {
        var store = new PredictionStore(2, TimeSpan.FromHours(1), _time);

        store.Add(Made("a"));
        store.Add(Made("b"));
        store.Add(Made("c"));

        Assert.Null(store.Find(Key("a")));
        Assert.NotNull(store.Find(Key("b")));
        Assert.NotNull(store.Find(Key("c")));
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public void Find_OlderThanTheTimeToLive_IsGone()
    {
        var store = new PredictionStore(100, TimeSpan.FromHours(1), _time);
        store.Add(Made("old"));
        _time.Advance(TimeSpan.FromMinutes(30));
        store.Add(Made("young"));

        _time.Advance(TimeSpan.FromMinutes(30));

        Assert.Null(store.Find(Key("old")));
        Assert.NotNull(store.Find(Key("young")));
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void Find_JustYoungerThanTheTimeToLive_IsKept()
    {
        var store = new PredictionStore(100, TimeSpan.FromHours(1), _time);
        store.Add(Made("a"));

        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromTicks(1));

        Assert.NotNull(store.Find(Key("a")));
    }

    [Fact]
    public void Add_SameKeyAgain_ReplacesTheEarlierPredictionAndCountsOnce()
    {
        var store = new PredictionStore(2, TimeSpan.FromHours(1), _time);
        store.Add(Made("a"));
        store.Add(Made("b"));
        var again = Made("a");

        store.Add(again);
        store.Add(Made("c"));

        // "a" was made again after "b", so "b" is now the oldest and the one pushed out.
        Assert.Same(again, store.Find(Key("a")));
        Assert.Null(store.Find(Key("b")));
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public void Find_SameIdOtherVersionOrModel_IsADifferentPrediction()
    {
        var store = new PredictionStore(10, TimeSpan.FromHours(1), _time);
        store.Add(Made("a", "m", 1));

        Assert.Null(store.Find(Key("a", "m", 2)));
        Assert.Null(store.Find(Key("a", "other", 1)));
        Assert.NotNull(store.Find(Key("a", "m", 1)));
    }

    [Fact]
    public void Add_CapacityZero_KeepsNothing()
    {
        var store = new PredictionStore(0, TimeSpan.FromHours(1), _time);

        store.Add(Made("a"));

        Assert.Null(store.Find(Key("a")));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void TryMarkScored_Twice_SucceedsOnlyTheFirstTime()
    {
        var store = new PredictionStore(10, TimeSpan.FromHours(1), _time);
        var prediction = Made("a");
        store.Add(prediction);

        Assert.True(store.TryMarkScored(prediction));
        Assert.False(store.TryMarkScored(prediction));
    }

    [Fact]
    public void TryMarkScored_ManyThreadsAtOnce_ExactlyOneWins()
    {
        var store = new PredictionStore(10, TimeSpan.FromHours(1), _time);
        var prediction = Made("a");
        store.Add(prediction);
        var wins = 0;

        Parallel.For(0, 64, _ =>
        {
            if (store.TryMarkScored(prediction))
            {
                Interlocked.Increment(ref wins);
            }
        });

        Assert.Equal(1, wins);
    }

    [Fact]
    public void Add_IdLongerThanTheLimit_IsNotKept()
    {
        var store = new PredictionStore(10, TimeSpan.FromHours(1), _time);
        var longest = new string('x', PredictionStore.MaxIdLength);
        var tooLong = longest + "x";

        store.Add(Made(longest));
        store.Add(Made(tooLong));

        Assert.NotNull(store.Find(Key(longest)));
        Assert.Null(store.Find(Key(tooLong)));
    }
}
