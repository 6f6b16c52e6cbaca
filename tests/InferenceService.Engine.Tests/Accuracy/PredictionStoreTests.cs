using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Tests.TestSupport;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Accuracy;

public sealed class PredictionStoreTests
{
    private readonly ManualTimeProvider _time = new();

    private Prediction Made(string id, string model = "m", long version = 1) => new(new PredictionKey(model, version, id), _time.GetUtcNow(), []);

    private static PredictionKey Key(string id, string model = "m", long version = 1) => new(model, version, id);

    private static OutputTracker Tracker(string name, TensorElementType type, long[] shape) =>
        new("m", 1, new TensorInfo(name, OnnxValueType.ONNX_TYPE_TENSOR, type, shape, [.. shape.Select(_ => "")]), null, [RollingWindow.LastRows(10)]);

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
        _time.Advance(TimeSpan.FromSeconds(1));
        var again = Made("a");

        store.Add(again);
        store.Add(Made("c"));

        // "a" was made again after "b", so "b" is now the oldest and the one pushed out.
        Assert.Equal(again.MadeAt, store.Find(Key("a"))!.MadeAt);
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
    public void Find_IdsThatShareAPrefixOrDifferOutsideAscii_AreDifferentPredictions()
    {
        var store = new PredictionStore(10, TimeSpan.FromHours(1), _time);
        store.Add(Made("ab"));
        store.Add(Made("é"));

        Assert.Null(store.Find(Key("a")));
        Assert.Null(store.Find(Key("abc")));
        Assert.Null(store.Find(Key("e")));
        Assert.Null(store.Find(Key("è")));
        Assert.NotNull(store.Find(Key("ab")));
        Assert.NotNull(store.Find(Key("é")));
    }

    [Fact]
    public void Find_KeptOutputs_ComeBackAsTheyWereMade()
    {
        var store = new PredictionStore(10, TimeSpan.FromHours(1), _time);
        var label = Tracker("label", TensorElementType.Int64, [-1]);
        var big = Tracker("big", TensorElementType.Int64, [-1]);
        var scores = Tracker("scores", TensorElementType.Float, [-1, 3]);
        var precise = Tracker("precise", TensorElementType.Double, [-1, 2]);
        var large = Tracker("large", TensorElementType.Float, [-1, 4096]);
        OutputPrediction[] outputs =
        [
            new(label, 2, 2, [3, -1], null),
            new(big, 1, 1, [long.MaxValue], null),
            new(scores, 1, 3, null, [0.5, -1.25f, double.NaN]),
            new(precise, 1, 2, null, [0.1, double.MaxValue]),
            new(large, 1, 4096, null, null),
        ];
        store.Add(new Prediction(Key("ünïcode-id"), _time.GetUtcNow(), outputs));

        var found = store.Find(Key("ünïcode-id"))!;

        Assert.Equal(Key("ünïcode-id"), found.Key);
        Assert.Equal(_time.GetUtcNow(), found.MadeAt);
        Assert.False(found.IsScored);
        Assert.Equal(outputs.Length, found.Outputs.Count);
        for (var i = 0; i < outputs.Length; i++)
        {
            Assert.Same(outputs[i].Output, found.Outputs[i].Output);
            Assert.Equal(outputs[i].Rows, found.Outputs[i].Rows);
            Assert.Equal(outputs[i].ValueCount, found.Outputs[i].ValueCount);
            Assert.Equal(outputs[i].Classes, found.Outputs[i].Classes);
            Assert.Equal(outputs[i].Values, found.Outputs[i].Values);
        }
        Assert.False(found.Outputs[4].IsKept);
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
    public void Claim_Twice_ScoresOnlyTheFirstTime()
    {
        var store = new PredictionStore(10, TimeSpan.FromHours(1), _time);
        store.Add(Made("a"));
        var found = store.Find(Key("a"))!;

        Assert.Equal(ScoreClaim.Scored, store.Claim(found));
        Assert.Equal(ScoreClaim.AlreadyScored, store.Claim(found));
        Assert.Equal(ScoreClaim.AlreadyScored, store.Claim(store.Find(Key("a"))!));
        Assert.True(store.Find(Key("a"))!.IsScored);
    }

    [Fact]
    public void Add_AlreadyScored_IsFoundScored()
    {
        var store = new PredictionStore(10, TimeSpan.FromHours(1), _time);
        var scored = Made("a");
        store.Add(Made("b"));
        store.Add(new Prediction(scored.Key, scored.MadeAt, []) { IsScored = true });

        Assert.True(store.Find(Key("a"))!.IsScored);
        Assert.False(store.Find(Key("b"))!.IsScored);
    }

    [Fact]
    public void Claim_ManyThreadsAtOnce_ExactlyOneWins()
    {
        var store = new PredictionStore(10, TimeSpan.FromHours(1), _time);
        store.Add(Made("a"));
        var wins = 0;

        Parallel.For(0, 64, _ =>
        {
            if (store.Claim(store.Find(Key("a"))!) == ScoreClaim.Scored)
            {
                Interlocked.Increment(ref wins);
            }
        });

        Assert.Equal(1, wins);
    }

    [Fact]
    public void Claim_PushedOutOrExpiredOrMadeAgainSinceFound_IsGone()
    {
        var store = new PredictionStore(2, TimeSpan.FromHours(1), _time);
        store.Add(Made("pushed"));
        store.Add(Made("again"));
        var pushed = store.Find(Key("pushed"))!;
        var again = store.Find(Key("again"))!;
        _time.Advance(TimeSpan.FromMinutes(1));

        store.Add(Made("again"));
        store.Add(Made("new"));

        Assert.Equal(ScoreClaim.Gone, store.Claim(pushed));
        Assert.Equal(ScoreClaim.Gone, store.Claim(again));
        var young = store.Find(Key("new"))!;
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(ScoreClaim.Gone, store.Claim(young));
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

    /// <summary>
    /// Thousands of adds of predictions of many sizes, with ids made again, claims and time passing, against a list in
    /// arrival order and a set of scored keys: the store wraps its rings and copies them many times on the way.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(300)]
    public void Add_ManyMixedCalls_KeepsWhatAnOrderedListWould(int capacity)
    {
        var ttl = TimeSpan.FromSeconds(50);
        var store = new PredictionStore(capacity, ttl, _time);
        var scores = Tracker("scores", TensorElementType.Float, [-1, -1]);
        var expected = new List<(PredictionKey Key, DateTimeOffset MadeAt, int Values, bool Scored)>();
        var random = new Random(capacity);
        for (var step = 0; step < 20_000; step++)
        {
            var key = Key($"id-{random.Next(2 * capacity + 3)}{new string('x', random.Next(40))}", version: random.Next(2));
            switch (random.Next(10))
            {
                case < 6:
                    var values = random.Next(4) == 0 ? random.Next(300) : random.Next(4);
                    var output = new OutputPrediction(scores, 1, values, null, [.. Enumerable.Range(0, values).Select(v => (double)v)]);
                    store.Add(new Prediction(key, _time.GetUtcNow(), [output]));
                    expected.RemoveAll(e => e.Key == key);
                    expected.Add((key, _time.GetUtcNow(), values, false));
                    if (expected.Count > capacity)
                    {
                        expected.RemoveAt(0);
                    }
                    break;
                case < 8:
                    expected.RemoveAll(e => _time.GetUtcNow() - e.MadeAt >= ttl);
                    var found = store.Find(key);
                    var wanted = expected.FindIndex(e => e.Key == key);
                    Assert.Equal(wanted >= 0, found is not null);
                    if (found is not null)
                    {
                        Assert.Equal(expected[wanted].MadeAt, found.MadeAt);
                        Assert.Equal(expected[wanted].Values, found.Outputs[0].Values!.Length);
                        Assert.Equal(expected[wanted].Scored, found.IsScored);
                        Assert.Equal(found.IsScored ? ScoreClaim.AlreadyScored : ScoreClaim.Scored, store.Claim(found));
                        expected[wanted] = expected[wanted] with { Scored = true };
                    }
                    break;
                default:
                    _time.Advance(TimeSpan.FromSeconds(random.Next(3)));
                    break;
            }
        }
        expected.RemoveAll(e => _time.GetUtcNow() - e.MadeAt >= ttl);
        Assert.All(expected, e => Assert.NotNull(store.Find(e.Key)));
        Assert.Equal(expected.Count, store.Count);
    }
}
