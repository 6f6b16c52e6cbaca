using InferenceService.Engine.Jobs;

namespace InferenceService.Engine.Tests.Jobs;

/// <summary>The SQLite store: every status transition, leases, claims, cancel and delete, on a real database file.</summary>
public sealed class SqliteJobStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "job-store-tests-" + Guid.NewGuid().ToString("N"));
    private SqliteJobStore _store = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _store = new SqliteJobStore(Path.Combine(_folder, "jobs.db"));
        await _store.InitializeAsync(default);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static JobRecord Job(string id, int minute) => new()
    {
        Id = id,
        Spec = new JobSpec { Model = "m", InputPath = "/in.csv", InputFormat = DatasetFormat.Csv, OutputFormat = DatasetFormat.Jsonl, Key = "id", Columns = new Dictionary<string, string> { ["x"] = "c" } },
        Status = JobStatus.Queued,
        Created = s_now.AddMinutes(minute),
    };

    [Fact]
    public async Task AddAndGet_RoundTripsTheSpec()
    {
        await _store.AddAsync(Job("a", 0), default);

        var job = await _store.GetAsync("a", default);

        Assert.NotNull(job);
        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.Equal("id", job.Spec.Key);
        Assert.Equal("c", job.Spec.Columns!["x"]);
        Assert.Equal(DatasetFormat.Jsonl, job.Spec.OutputFormat);
        Assert.Null(await _store.GetAsync("b", default));
    }

    [Fact]
    public async Task TryClaim_OldestQueuedFirst_OnceOnly()
    {
        await _store.AddAsync(Job("new", 5), default);
        await _store.AddAsync(Job("old", 1), default);

        var first = await _store.TryClaimAsync("r1", s_now, s_now.AddMinutes(1), default);
        var second = await _store.TryClaimAsync("r2", s_now, s_now.AddMinutes(1), default);
        var none = await _store.TryClaimAsync("r3", s_now, s_now.AddMinutes(1), default);

        Assert.Equal(("old", JobStatus.Running, "r1"), (first!.Id, first.Status, first.Owner));
        Assert.Equal(s_now, first.Started);
        Assert.Equal("new", second!.Id);
        Assert.Null(none);
    }

    [Fact]
    public async Task TryClaim_ManyClaimersAtOnce_EachJobGoesToOne()
    {
        for (var i = 0; i < 20; i++)
        {
            await _store.AddAsync(Job($"j{i}", i), default);
        }
        var claims = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => _store.TryClaimAsync($"r{i}", s_now, s_now.AddMinutes(1), default)));

        var claimed = claims.Where(c => c is not null).Select(c => c!.Id).ToList();
        Assert.Equal(20, claimed.Count);
        Assert.Equal(20, claimed.Distinct().Count());
    }

    [Fact]
    public async Task Lease_ExpiredLeaseIsClaimedByAnother_AndTheOldOwnerCanNoLongerWrite()
    {
        await _store.AddAsync(Job("a", 0), default);
        await _store.TryClaimAsync("r1", s_now, s_now.AddSeconds(30), default);
        Assert.Null(await _store.TryClaimAsync("r2", s_now.AddSeconds(10), s_now.AddSeconds(40), default));

        var taken = await _store.TryClaimAsync("r2", s_now.AddSeconds(31), s_now.AddSeconds(90), default);

        Assert.Equal("r2", taken!.Owner);
        Assert.Null(await _store.CheckpointAsync("a", "r1", new JobCheckpoint(5, 5, 0, 10, 0), s_now.AddMinutes(5), default));
        Assert.False(await _store.FinishAsync("a", "r1", JobStatus.Succeeded, default, null, s_now, default));
        Assert.False(await _store.SetPlanAsync("a", "r1", "1", 10, default));
        Assert.NotNull(await _store.CheckpointAsync("a", "r2", new JobCheckpoint(5, 5, 0, 10, 0), s_now.AddMinutes(5), default));
    }

    [Fact]
    public async Task Checkpoint_StoresProgressAndRenewsTheLease()
    {
        await _store.AddAsync(Job("a", 0), default);
        await _store.TryClaimAsync("r1", s_now, s_now.AddSeconds(30), default);
        Assert.True(await _store.SetPlanAsync("a", "r1", "3", 100, default));

        var job = await _store.CheckpointAsync("a", "r1", new JobCheckpoint(40, 38, 2, 4000, 120), s_now.AddSeconds(60), default);

        Assert.Equal(new JobCheckpoint(40, 38, 2, 4000, 120), job!.Checkpoint);
        Assert.Equal((100L, "3"), (job.Total!.Value, job.Version!));
        Assert.Equal(s_now.AddSeconds(60), job.LeaseExpires);
        Assert.Null(await _store.TryClaimAsync("r2", s_now.AddSeconds(45), s_now.AddSeconds(90), default));
    }

    [Theory]
    [InlineData(JobStatus.Succeeded, null)]
    [InlineData(JobStatus.Failed, "3 rows failed")]
    [InlineData(JobStatus.Cancelled, "Cancelled")]
    public async Task Finish_RunningJob_EndsItAndReleasesTheLease(JobStatus status, string? error)
    {
        await _store.AddAsync(Job("a", 0), default);
        await _store.TryClaimAsync("r1", s_now, s_now.AddSeconds(30), default);

        Assert.True(await _store.FinishAsync("a", "r1", status, new JobCheckpoint(10, 7, 3, 1, 1), error, s_now.AddMinutes(1), default));

        var job = await _store.GetAsync("a", default);
        Assert.Equal((status, error, (string?)null), (job!.Status, job.Error, job.Owner));
        Assert.Equal(s_now.AddMinutes(1), job.Finished);
        Assert.Null(await _store.TryClaimAsync("r2", s_now.AddHours(1), s_now.AddHours(2), default));
    }

    [Fact]
    public async Task Cancel_QueuedEndsAtOnce_RunningIsFlaggedForItsRunner()
    {
        await _store.AddAsync(Job("queued", 0), default);
        await _store.AddAsync(Job("running", -1), default);
        await _store.TryClaimAsync("r1", s_now, s_now.AddSeconds(30), default);

        var queued = await _store.CancelAsync("queued", s_now, default);
        var running = await _store.CancelAsync("running", s_now, default);

        Assert.Equal(JobStatus.Cancelled, queued!.Status);
        Assert.Equal(s_now, queued.Finished);
        Assert.Equal((JobStatus.Running, true), (running!.Status, running.CancelRequested));
        Assert.True((await _store.CheckpointAsync("running", "r1", default, s_now.AddMinutes(1), default))!.CancelRequested);
        Assert.Null(await _store.CancelAsync("nope", s_now, default));
    }

    [Fact]
    public async Task Delete_OnlyFinishedJobs()
    {
        await _store.AddAsync(Job("a", 0), default);
        Assert.False(await _store.DeleteAsync("a", default));
        await _store.CancelAsync("a", s_now, default);

        Assert.True(await _store.DeleteAsync("a", default));
        Assert.Null(await _store.GetAsync("a", default));
        Assert.False(await _store.DeleteAsync("a", default));
    }

    [Fact]
    public async Task ReleaseAllLeases_RunningJobsAreClaimableAtOnceAndResumeTheirCheckpoint()
    {
        await _store.AddAsync(Job("a", 0), default);
        await _store.TryClaimAsync("before-crash", s_now, s_now.AddHours(1), default);
        await _store.CheckpointAsync("a", "before-crash", new JobCheckpoint(30, 30, 0, 900, 0), s_now.AddHours(1), default);

        Assert.Equal(1, await _store.ReleaseAllLeasesAsync(default));
        var resumed = await _store.TryClaimAsync("after", s_now.AddSeconds(1), s_now.AddMinutes(1), default);

        Assert.Equal(("a", 30L, 30L), (resumed!.Id, resumed.Checkpoint.NextRow, resumed.RowsAtResume));
        Assert.Equal(s_now, resumed.Started); // the first start is kept
    }

    [Fact]
    public async Task ListAndCount_NewestFirstAndByStatus()
    {
        await _store.AddAsync(Job("a", 0), default);
        await _store.AddAsync(Job("b", 1), default);
        await _store.AddAsync(Job("c", 2), default);
        await _store.CancelAsync("a", s_now, default);

        Assert.Equal(["c", "b", "a"], (await _store.ListAsync(0, 10, default)).Select(j => j.Id));
        Assert.Equal(["b"], (await _store.ListAsync(1, 1, default)).Select(j => j.Id));
        var counts = await _store.CountByStatusAsync(default);
        Assert.Equal((2L, 1L, 0L), (counts[JobStatus.Queued], counts[JobStatus.Cancelled], counts[JobStatus.Running]));
    }
}
