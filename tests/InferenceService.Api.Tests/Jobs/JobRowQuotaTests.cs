using System.Globalization;
using System.Text.Json;
using InferenceService.Api.Tests.Security;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static InferenceService.Api.Tests.Jobs.JobsTestSupport;

namespace InferenceService.Api.Tests.Jobs;

/// <summary>
/// Two keys with the jobs scope, on a clock the tests move: "paced" may run 10 job rows a second (burst 10), "free"
/// has no row quota. Every batch of 10 rows checkpoints, so the job's status shows each one as it is written.
/// </summary>
public sealed class JobRowQuotaFixture : ServiceFixture
{
    public const string PacedKey = "paced-key-0123456789abcdef";
    public const string FreeKey = "free-key-0123456789abcdef";

    private readonly JobsFolder _folder = new();

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture));

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository.AddSampleModel("iris");

    protected override IReadOnlyDictionary<string, string?>? Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>
            {
                ["Jobs:Directory"] = _folder.JobsDirectory,
                ["Jobs:CheckpointRows"] = "10",
            };
            TestKeys.Add(settings, 0, "paced", PacedKey, [Scopes.Jobs], hashed: true);
            settings["Authentication:ApiKeys:0:JobRowsPerSecond"] = "10";
            settings["Authentication:ApiKeys:0:JobRowBurst"] = "10";
            TestKeys.Add(settings, 1, "free", FreeKey, [Scopes.Jobs], hashed: true);
            return settings;
        }
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Time);

    protected override void OnDisposed() => _folder.Dispose();

    public HttpClient ClientFor(string key)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }
}

/// <summary>A job counts its rows against its submitter's job-row quota: paced to it, never refused, and other keys' jobs are not slowed.</summary>
public sealed class JobRowQuotaTests(JobRowQuotaFixture service) : IClassFixture<JobRowQuotaFixture>
{
    private static long Succeeded(JsonElement job) => job.GetProperty("rows").GetProperty("succeeded").GetInt64();

    /// <summary>
    /// Waits until <paramref name="rows"/> rows are done. The clock has moved already; should the runner have read it
    /// just before it moved and set its timer just after, ticks of a millisecond (a hundredth of a row's worth each)
    /// after half a second of no progress wake it: far too little time for a whole further batch to fit.
    /// </summary>
    private async Task<JsonElement> WaitForRowsAsync(HttpClient client, string id, long rows)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var job = await GetJobAsync(client, id);
            if (Succeeded(job) >= rows || waited.Elapsed > Patience)
            {
                return job;
            }
            await Task.Delay(20);
            if (waited.Elapsed > TimeSpan.FromMilliseconds(500))
            {
                service.Time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }
    }

    [Fact]
    public async Task Job_KeyWithARowQuota_IsAcceptedAndRunsOnlyAsFastAsItsQuotaRefills()
    {
        service.Time.Advance(TimeSpan.FromSeconds(10)); // a full bucket, whatever ran before
        using var client = service.ClientFor(JobRowQuotaFixture.PacedKey);

        // 30 rows in batches of 10: the burst lets the first batch run; each further one waits for a second's rows.
        var id = await SubmitAsync(client, "model=iris&key=id&batch_size=10&output_format=jsonl", IrisCsv(30));
        var first = await WaitForRowsAsync(client, id, 10);
        Assert.Equal(("running", 10L), (Status(first), Succeeded(first)));

        service.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await WaitForRowsAsync(client, id, 20);
        Assert.Equal(("running", 20L), (Status(second), Succeeded(second)));

        service.Time.Advance(TimeSpan.FromSeconds(1));
        var done = await WaitUntilFinishedAsync(client, id);
        Assert.Equal(("succeeded", 30L), (Status(done), Succeeded(done)));
        Assert.Equal(Enumerable.Range(0, 30), JsonLines(await OutputAsync(client, id)).Select(r => r.GetProperty("row").GetInt32()));
    }

    [Fact]
    public async Task Job_KeyWithoutARowQuota_RunsWithoutWaitingForTheClock()
    {
        using var client = service.ClientFor(JobRowQuotaFixture.FreeKey);

        var id = await SubmitAsync(client, "model=iris&key=id&batch_size=10&output_format=jsonl", IrisCsv(50));
        var done = await WaitUntilFinishedAsync(client, id);

        Assert.Equal(("succeeded", 50L), (Status(done), Succeeded(done)));
    }
}
