using System.Diagnostics;
using System.Diagnostics.Metrics;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Accuracy.Redis;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace InferenceService.Api.Tests.Accuracy;

/// <summary>
/// The shared accuracy store on its own, against a real Redis: what the write-behind batches leave there (kept
/// predictions with their TTL, at most the bound, the oldest pushed out first, a replaced one read back as the newer),
/// and the one-time claim. Each test writes under its own key prefix, so the tests share one server.
/// </summary>
public sealed class RedisAccuracyStoreTests(RedisAccuracyStoreTests.RedisFixture redis) : IClassFixture<RedisAccuracyStoreTests.RedisFixture>
{
    private static readonly TimeSpan s_ttl = TimeSpan.FromHours(1);

    /// <summary>How long a write may take to land before a test gives up waiting for it (not a speed bound).</summary>
    private static readonly TimeSpan s_landing = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Record_MorePredictionsThanTheBound_KeepsTheNewestEachWithItsTtl()
    {
        await using var store = redis.Store(maxStored: 3, out var prefix);
        var y = redis.Model.Find("y")!;

        for (var i = 0; i < 5; i++)
        {
            store.Record([], null, Predicted(y, $"p{i}", i), DateTimeOffset.UtcNow);
        }
        await WaitUntilFoundAsync(store, "p4");
        store.Record([], null, Predicted(y, "p5", 5), DateTimeOffset.UtcNow);
        await WaitUntilFoundAsync(store, "p5");

        foreach (var gone in (string[])["p0", "p1", "p2"])
        {
            Assert.Null(await FindAsync(store, gone));
        }
        foreach (var (id, value) in new[] { ("p3", 3), ("p4", 4), ("p5", 5) })
        {
            var found = await FindAsync(store, id);
            Assert.NotNull(found);
            Assert.Equal([value, value + 1, value + 2], Assert.Single(found.Outputs).Values!);
        }
        var database = redis.Connection.GetDatabase();
        Assert.Equal(3, await database.ListLengthAsync(prefix + "kept"));
        var keys = redis.Connection.GetServer(redis.Server.Configuration).Keys(pattern: prefix + "p:*").ToArray();
        Assert.Equal(3, keys.Length);
        foreach (var key in keys)
        {
            var ttl = await database.KeyTimeToLiveAsync(key);
            Assert.True(ttl > TimeSpan.Zero && ttl <= s_ttl, $"{key} expires in {ttl}, not within the TTL of {s_ttl}.");
        }
    }

    [Fact]
    public async Task Record_SameIdAgain_FindsTheNewerPrediction()
    {
        await using var store = redis.Store(maxStored: 100, out _);
        var y = redis.Model.Find("y")!;

        store.Record([], null, Predicted(y, "again", 1), DateTimeOffset.UtcNow);
        store.Record([], null, Predicted(y, "again", 7), DateTimeOffset.UtcNow);
        store.Record([], null, Predicted(y, "last", 0), DateTimeOffset.UtcNow);
        await WaitUntilFoundAsync(store, "last");

        var found = await FindAsync(store, "again");
        Assert.NotNull(found);
        Assert.Equal([7.0, 8, 9], Assert.Single(found.Outputs).Values!);
    }

    [Fact]
    public async Task Score_SamePredictionTwice_IsScoredThenAlreadyScored_AndGoneOncePushedOut()
    {
        await using var store = redis.Store(maxStored: 2, out _);
        var y = redis.Model.Find("y")!;
        store.Record([], null, Predicted(y, "once", 1), DateTimeOffset.UtcNow);
        store.Record([], null, Predicted(y, "later", 1), DateTimeOffset.UtcNow);
        await WaitUntilFoundAsync(store, "later");
        var once = (await FindAsync(store, "once"))!;
        var later = (await FindAsync(store, "later"))!;

        Assert.Equal(ScoreClaim.Scored, await store.ScoreAsync(once, [], DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Equal(ScoreClaim.AlreadyScored, await store.ScoreAsync(once, [], DateTimeOffset.UtcNow, CancellationToken.None));

        // Two newer predictions push the unscored one out: claiming it finds nothing.
        store.Record([], null, Predicted(y, "newer1", 1), DateTimeOffset.UtcNow);
        store.Record([], null, Predicted(y, "newer2", 1), DateTimeOffset.UtcNow);
        await WaitUntilFoundAsync(store, "newer2");
        Assert.Equal(ScoreClaim.Gone, await store.ScoreAsync(later, [], DateTimeOffset.UtcNow, CancellationToken.None));
    }

    private static Prediction Predicted(OutputTracker y, string id, double first) =>
        new(new PredictionKey("regressor", 1, id), DateTimeOffset.UtcNow, [new OutputPrediction(y, 1, 3, null, [first, first + 1, first + 2])]);

    private ValueTask<Prediction?> FindAsync(RedisAccuracyStore store, string id) =>
        store.FindAsync(new PredictionKey("regressor", 1, id), redis.Model, CancellationToken.None);

    /// <summary>Waits for the writer to have written <paramref name="id"/> (and so everything recorded before it).</summary>
    private async Task WaitUntilFoundAsync(RedisAccuracyStore store, string id)
    {
        var clock = Stopwatch.StartNew();
        while (await FindAsync(store, id) is null)
        {
            Assert.True(clock.Elapsed < s_landing, $"Prediction '{id}' was not written within {s_landing.TotalSeconds:F0} s.");
            await Task.Delay(10);
        }
    }

    /// <summary>One redis-server for the class, a connection to look at what the store wrote, and the model it keeps for.</summary>
    public sealed class RedisFixture : IAsyncLifetime
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        private LoadedModel _loaded = null!;

        public RedisServer Server { get; private set; } = null!;

        public ConnectionMultiplexer Connection { get; private set; } = null!;

        /// <summary>identity_float as "regressor" version 1: y FP32 [batch, 3], scored as numbers.</summary>
        public ModelAccuracy Model { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Server = await RedisServer.StartAsync();
            Connection = await ConnectionMultiplexer.ConnectAsync(Server.Configuration);
            _loaded = new LoadedModel("regressor", 1, new ModelConfig(),
                new SessionPool([OnnxSession.Create(TestPaths.TestModel("identity_float.onnx"))]), new Dictionary<string, IReadOnlyList<string>>());
            Model = new ModelAccuracy(_loaded, RollingWindow.From(new AccuracyOptions()));
        }

        /// <summary>A store of its own key prefix on the server.</summary>
        public RedisAccuracyStore Store(int maxStored, out string prefix)
        {
            prefix = $"test:{Guid.NewGuid():N}:";
            var options = new AccuracyOptions
            {
                Store = AccuracyStoreKind.Redis,
                MaxStoredPredictions = maxStored,
                PredictionTtl = s_ttl,
                Redis = { Configuration = Server.Configuration, KeyPrefix = prefix },
            };
            return new RedisAccuracyStore(options, TimeProvider.System, _services.GetRequiredService<IMeterFactory>(), NullLogger<RedisAccuracyStore>.Instance);
        }

        public async Task DisposeAsync()
        {
            await Connection.DisposeAsync();
            await Server.DisposeAsync();
            _loaded.Dispose();
            await _services.DisposeAsync();
        }
    }
}
