using InferenceService.Api.Tests.TestSupport;
using InferenceService.Engine.Jobs;

namespace InferenceService.Api.Tests.Jobs;

/// <summary>The PostgreSQL job store on a real server: its migration, claims by racing replicas, and leases.</summary>
public sealed class PostgresJobStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private PostgresServer _postgres = null!;

    public async Task InitializeAsync() => _postgres = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await _postgres.DisposeAsync();

    private static JobRecord Job(string id, int minute) => new()
    {
        Id = id,
        Spec = new JobSpec { Model = "m", InputPath = "/in.csv", InputFormat = DatasetFormat.Csv, OutputFormat = DatasetFormat.Jsonl, Key = "id" },
        Status = JobStatus.Queued,
        Created = s_now.AddMinutes(minute),
    };

    [Fact]
    public async Task Initialize_ManyReplicasAtOnceAndAgain_MigratesOnceAndKeepsTheJobs()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresJobStore(_postgres.ConnectionString)).ToArray();
        try
        {
            await Task.WhenAll(stores.Select(s => s.InitializeAsync(default)));
            await stores[0].AddAsync(Job("kept", 0), default);
            await stores[1].InitializeAsync(default);

            Assert.NotNull(await stores[2].GetAsync("kept", default));
            await using var connection = new Npgsql.NpgsqlConnection(_postgres.ConnectionString);
            await connection.OpenAsync();
            await using var versions = new Npgsql.NpgsqlCommand("SELECT COUNT(*), MAX(version) FROM inference_schema;", connection);
            await using var reader = await versions.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal((1L, PostgresJobStore.SchemaVersion), (reader.GetInt64(0), reader.GetInt32(1)));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TryClaim_RacingReplicas_EachJobClaimedOnce()
    {
        await using var setup = new PostgresJobStore(_postgres.ConnectionString);
        await setup.InitializeAsync(default);
        for (var i = 0; i < 20; i++)
        {
            await setup.AddAsync(Job($"j{i:00}", i), default);
        }
        var replicas = Enumerable.Range(0, 4).Select(_ => new PostgresJobStore(_postgres.ConnectionString)).ToArray();
        try
        {
            var claims = await Task.WhenAll(replicas.Select(async (store, r) =>
            {
                var mine = new List<string>();
                while (await store.TryClaimAsync($"r{r}", s_now, s_now.AddMinutes(1), default) is { } job)
                {
                    Assert.Equal($"r{r}", job.Owner);
                    mine.Add(job.Id);
                }
                return mine;
            }));

            var all = claims.SelectMany(c => c).Order().ToArray();
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"j{i:00}"), all);
        }
        finally
        {
            foreach (var store in replicas)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Lease_ExpiredIsClaimedByAnotherAndTheFormerHolderChangesNothing()
    {
        await using var store = new PostgresJobStore(_postgres.ConnectionString);
        await store.InitializeAsync(default);
        await store.AddAsync(Job("a", 0), default);
        var first = await store.TryClaimAsync("dead", s_now, s_now.AddSeconds(30), default);
        Assert.NotNull(await store.CheckpointAsync("a", "dead", new JobCheckpoint(50, 50, 0, 5000, 0), s_now.AddSeconds(30), default));

        Assert.Null(await store.TryClaimAsync("other", s_now.AddSeconds(10), s_now.AddSeconds(40), default));
        var taken = await store.TryClaimAsync("other", s_now.AddSeconds(31), s_now.AddSeconds(60), default);

        Assert.Equal(("a", "other", 50L, 50L), (taken!.Id, taken.Owner, taken.Checkpoint.NextRow, taken.RowsAtResume));
        Assert.Equal(first!.Started, taken.Started);
        Assert.Null(await store.CheckpointAsync("a", "dead", new JobCheckpoint(90, 90, 0, 9000, 0), s_now.AddSeconds(60), default));
        Assert.False(await store.FinishAsync("a", "dead", JobStatus.Succeeded, new JobCheckpoint(100, 100, 0, 10000, 0), null, s_now.AddSeconds(61), default));
        Assert.Equal(0, await store.ReleaseAllLeasesAsync(default));
        Assert.True(await store.FinishAsync("a", "other", JobStatus.Succeeded, new JobCheckpoint(100, 100, 0, 10000, 0), null, s_now.AddSeconds(62), default));
        var done = await store.GetAsync("a", default);
        Assert.Equal((JobStatus.Succeeded, 100L, (string?)null), (done!.Status, done.Checkpoint.Succeeded, done.Owner));
    }
}
