using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;
using static InferenceService.Api.Tests.Jobs.JobsTestSupport;

namespace InferenceService.Api.Tests.Jobs;

/// <summary>
/// Two service processes sharing one real PostgreSQL (<c>Jobs:Database=postgresql</c>) and one job folder, as replicas
/// behind one Service with a ReadWriteMany volume are: any replica answers for any job, one replica runs a job at a
/// time, and when it dies another takes the job over after its lease and finishes it with every row once. Runners hold
/// mid-job (<c>Jobs:HoldAfterRows</c>) so that "running" and "killed mid-job" happen without timing.
/// </summary>
public sealed class SharedJobsTests : IAsyncLifetime
{
    private const int Rows = 400;
    private const string Query = "model=iris&key=id&batch_size=10&output_format=jsonl";

    private readonly JobsFolder _folder = new();
    private PostgresServer _postgres = null!;

    public async Task InitializeAsync() => _postgres = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        _folder.Dispose();
    }

    private ServiceProcess Replica(bool hold, int leaseSeconds) => ServiceProcess.Start(new Dictionary<string, string>
    {
        ["ModelRepository__Path"] = TestPaths.SampleModels,
        ["Jobs__Database"] = "postgresql",
        ["Jobs__ConnectionString"] = _postgres.ConnectionString,
        ["Jobs__Directory"] = _folder.JobsDirectory,
        ["Jobs__CheckpointRows"] = "25",
        ["Jobs__CheckpointIntervalMilliseconds"] = "3600000",
        ["Jobs__BatchesInFlight"] = "1",
        ["Jobs__LeaseSeconds"] = leaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Jobs__HoldAfterRows"] = hold ? "137" : "",
    });

    [Fact]
    public async Task Job_SubmittedToOneReplica_IsSeenListedAndCancelledFromTheOther()
    {
        // Both replicas hold the first job each claims, so a third job stays queued: every state is there to look at.
        await using var first = Replica(hold: true, leaseSeconds: 60);
        await using var second = Replica(hold: true, leaseSeconds: 60);
        await Task.WhenAll(first.WaitUntilReadyAsync(), second.WaitUntilReadyAsync());
        using var a = first.CreateClient();
        using var b = second.CreateClient();
        var csv = IrisCsv(Rows);

        var held = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var id = await SubmitAsync(a, Query, csv);
            await WaitForLineOnEitherAsync(first, second, $"Batch job {id} holds after");
            held.Add(id);
        }
        var queued = await SubmitAsync(a, Query, csv);

        // The schema was made once although both replicas started on an empty database together.
        foreach (var id in held)
        {
            var seen = await GetJobAsync(b, id);
            Assert.Equal("running", Status(seen));
            Assert.InRange(seen.GetProperty("rows").GetProperty("succeeded").GetInt64(), 1, Rows - 1);
        }
        Assert.Equal("queued", Status(await GetJobAsync(b, queued)));
        using (var list = await b.GetAsync("/v2/jobs"))
        {
            var jobs = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("jobs");
            Assert.Equal([queued, .. Enumerable.Reverse(held)], jobs.EnumerateArray().Select(j => j.GetProperty("id").GetString()));
        }

        using (var cancel = await b.PostAsync($"/v2/jobs/{queued}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }
        Assert.Equal("cancelled", Status(await GetJobAsync(a, queued)));
        using (var again = await a.PostAsync($"/v2/jobs/{queued}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }
        Assert.Equal("running", Status(await GetJobAsync(a, held[0])));
    }

    [Fact]
    public async Task Replica_KilledMidJob_TheOtherTakesItOverAfterTheLeaseAndWritesEveryRowOnce()
    {
        var csv = IrisCsv(Rows);
        await using var first = Replica(hold: true, leaseSeconds: 5);
        await first.WaitUntilReadyAsync();
        using var a = first.CreateClient();
        var id = await SubmitAsync(a, Query, csv);
        await first.WaitForLineAsync(l => l.Contains($"Batch job {id} holds after", StringComparison.Ordinal), "the job holding mid-way");

        var midway = await GetJobAsync(a, id);
        Assert.Equal("running", Status(midway));
        var written = File.ReadAllText(Path.Combine(_folder.JobsDirectory, "jobs", id, "output.jsonl"));
        Assert.True(written.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > midway.GetProperty("rows").GetProperty("succeeded").GetInt64(),
            "The output holds rows past the last checkpoint, which the takeover must cut off rather than repeat.");

        // The second replica starts while the first holds the job: it leaves it to its lease, then takes it over.
        await using var second = Replica(hold: false, leaseSeconds: 5);
        await second.WaitUntilReadyAsync();
        using var b = second.CreateClient();
        Assert.Equal(midway.GetProperty("created").GetRawText(), (await GetJobAsync(b, id)).GetProperty("created").GetRawText());

        first.Process.Kill(entireProcessTree: true); // SIGKILL: no shutdown, no final checkpoint, the lease left to expire
        await first.Process.WaitForExitAsync();

        var finished = await WaitUntilFinishedAsync(b, id);
        Assert.Equal("succeeded", Status(finished));
        Assert.Equal((Rows, Rows, 0), (finished.GetProperty("rows").GetProperty("total").GetInt64(), finished.GetProperty("rows").GetProperty("succeeded").GetInt64(), finished.GetProperty("rows").GetProperty("failed").GetInt64()));
        var reference = await SubmitAsync(b, Query, csv);
        Assert.Equal("succeeded", Status(await WaitUntilFinishedAsync(b, reference)));
        var actual = await OutputAsync(b, id);
        Assert.Equal(await OutputAsync(b, reference), actual);
        var rows = JsonLines(actual);
        Assert.Equal(Enumerable.Range(0, Rows), rows.Select(r => r.GetProperty("row").GetInt32()));
        Assert.Equal(Enumerable.Range(0, Rows).Select(i => $"r{i}"), rows.Select(r => r.GetProperty("key").GetString()));
    }

    private static async Task WaitForLineOnEitherAsync(ServiceProcess first, ServiceProcess second, string text)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!first.Output.Contains(text, StringComparison.Ordinal) && !second.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < Patience, $"Neither replica logged \"{text}\".\nFirst:\n{first.Output}\nSecond:\n{second.Output}");
            await Task.Delay(20);
        }
    }
}
