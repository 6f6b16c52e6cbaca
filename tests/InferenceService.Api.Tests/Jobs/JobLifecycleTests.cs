using System.Net;
using InferenceService.Api.Tests.TestSupport;
using static InferenceService.Api.Tests.Jobs.JobsTestSupport;

namespace InferenceService.Api.Tests.Jobs;

/// <summary>
/// Status transitions with one job slot and a runner that holds after a set number of rows (Jobs:HoldAfterRows), so
/// "running" and "queued" last exactly as long as the test needs, without timing.
/// </summary>
public sealed class JobLifecycleTests : IAsyncLifetime
{
    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddSampleModel("iris");
    private readonly JobsFolder _folder = new();
    private InferenceServiceFactory _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _factory = new InferenceServiceFactory(_repository.Root, new Dictionary<string, string?>
        {
            ["Jobs:Directory"] = _folder.JobsDirectory,
            ["Jobs:MaxConcurrentJobs"] = "1",
            ["Jobs:HoldAfterRows"] = "20",
        });
        _client = _factory.CreateClient();
        await ServiceReadiness.WaitUntilReadyAsync(_client);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        _repository.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Cancel_RunningAndQueuedJobs_EndCancelledKeepingTheRowsDone()
    {
        var running = await SubmitAsync(_client, "model=iris&key=id&batch_size=10&output_format=jsonl", IrisCsv(100));
        await WaitForAsync(_client, running, j => Status(j) == "running", "running");
        var queued = await SubmitAsync(_client, "model=iris&key=id", IrisCsv(5));
        Assert.Equal("queued", Status(await GetJobAsync(_client, queued)));
        // The slot stays taken: the second job is still queued once the first has claimed and written rows.
        await WaitForHoldAsync(running);
        Assert.Equal("queued", Status(await GetJobAsync(_client, queued)));

        using var cancelQueued = await _client.PostAsync($"/v2/jobs/{queued}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelQueued.StatusCode);
        var cancelledQueued = await GetJobAsync(_client, queued);
        Assert.Equal("cancelled", Status(cancelledQueued));
        Assert.True(cancelledQueued.TryGetProperty("finished", out _));
        Assert.False(cancelledQueued.TryGetProperty("started", out _));

        using var cancelRunning = await _client.PostAsync($"/v2/jobs/{running}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelRunning.StatusCode);
        var cancelled = await WaitUntilFinishedAsync(_client, running);
        Assert.Equal("cancelled", Status(cancelled));
        Assert.Equal(100, cancelled.GetProperty("rows").GetProperty("total").GetInt64());
        var done = cancelled.GetProperty("rows").GetProperty("succeeded").GetInt64();
        Assert.Equal(20, done); // two batches of 10, then the hold
        var rows = JsonLines(await OutputAsync(_client, running));
        Assert.Equal(Enumerable.Range(0, (int)done), rows.Select(r => r.GetProperty("row").GetInt32()));
        Assert.Equal("", await OutputAsync(_client, queued));

        using var deleteRunningAfter = await _client.DeleteAsync($"/v2/jobs/{running}");
        Assert.Equal(HttpStatusCode.NoContent, deleteRunningAfter.StatusCode);
    }

    /// <summary>Waits until the job's runner holds: its first 20 rows are in the output (JSON Lines is readable while it runs).</summary>
    private async Task WaitForHoldAsync(string id)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (JsonLines(await OutputAsync(_client, id)).Count < 20)
        {
            Assert.True(clock.Elapsed < Patience, "The job never wrote its first 20 rows.");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Delete_RunningJob_Is409()
    {
        var running = await SubmitAsync(_client, "model=iris&batch_size=10", IrisCsv(100));
        await WaitForAsync(_client, running, j => Status(j) == "running", "running");

        using var delete = await _client.DeleteAsync($"/v2/jobs/{running}");

        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Contains("cancel it first", await ErrorOf(delete), StringComparison.Ordinal);
        using var cancel = await _client.PostAsync($"/v2/jobs/{running}/cancel", null);
        await WaitUntilFinishedAsync(_client, running);
    }

    [Fact]
    public async Task Output_ParquetJobStillRunning_Is409()
    {
        var running = await SubmitAsync(_client, "model=iris&batch_size=10&output_format=parquet", IrisCsv(100));
        await WaitForAsync(_client, running, j => Status(j) == "running", "running");

        using var output = await _client.GetAsync($"/v2/jobs/{running}/output");

        Assert.Equal(HttpStatusCode.Conflict, output.StatusCode);
        using var cancel = await _client.PostAsync($"/v2/jobs/{running}/cancel", null);
        Assert.Equal("cancelled", Status(await WaitUntilFinishedAsync(_client, running)));
        using var after = await _client.GetAsync($"/v2/jobs/{running}/output");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("PAR1", System.Text.Encoding.ASCII.GetString((await after.Content.ReadAsByteArrayAsync())[..4]));
    }
}
