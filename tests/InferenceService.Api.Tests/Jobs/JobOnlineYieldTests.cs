using System.Globalization;
using System.Net;
using InferenceService.Api.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static InferenceService.Api.Tests.Jobs.JobsTestSupport;

namespace InferenceService.Api.Tests.Jobs;

/// <summary>
/// Iris (not batched: every job request is a Run of its own, counted in the statistics' execution_count) with
/// <c>Jobs:RowsPerRequestWhileOnline</c> 3, on a clock that moves only when a test moves it: an online request keeps
/// online traffic present for a whole job, and moving the clock past the window ends it. The reading's pauses are
/// turned off (<c>Jobs:CpuShareWhileOnline</c> 1), so that no job waits for the clock.
/// </summary>
public sealed class JobOnlineYieldFixture : ServiceFixture
{
    private readonly JobsFolder _folder = new();

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture));

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository.AddSampleModel("iris");

    protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Jobs:Directory"] = _folder.JobsDirectory,
        ["Jobs:RowsPerRequestWhileOnline"] = "3",
        ["Jobs:CpuShareWhileOnline"] = "1",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Time);

    protected override void OnDisposed() => _folder.Dispose();
}

/// <summary>The setting reaches a job run by the server: its requests are cut while online requests arrive, and only then.</summary>
public sealed class JobOnlineYieldTests(JobOnlineYieldFixture service) : IClassFixture<JobOnlineYieldFixture>
{
    private const string OneRow = """{"inputs":{"input":[[5.1,3.5,1.4,0.2]]}}""";

    [Fact]
    public async Task Job_WhileOnlineRequestsArrive_SendsRequestsOfTheCutSize()
    {
        using (var online = await service.Client.PostJsonTextAsync("/predict/iris", OneRow))
        {
            Assert.Equal(HttpStatusCode.OK, online.StatusCode);
        }
        var before = await RunsAsync();

        await RunJobAsync(rows: 30, batchSize: 10);

        Assert.Equal(10, await RunsAsync() - before);
    }

    [Fact]
    public async Task Job_OnlineRequestsPastTheWindow_SendsRequestsOfItsBatchSize()
    {
        using (var online = await service.Client.PostJsonTextAsync("/predict/iris", OneRow))
        {
            Assert.Equal(HttpStatusCode.OK, online.StatusCode);
        }
        service.Time.Advance(TimeSpan.FromSeconds(2));
        var before = await RunsAsync();

        await RunJobAsync(rows: 30, batchSize: 10);

        Assert.Equal(3, await RunsAsync() - before);
    }

    private async Task RunJobAsync(int rows, int batchSize)
    {
        var id = await SubmitAsync(service.Client, $"model=iris&key=id&batch_size={batchSize}&output_format=jsonl", IrisCsv(rows));
        var job = await WaitUntilFinishedAsync(service.Client, id);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(rows, job.GetProperty("rows").GetProperty("succeeded").GetInt64());
    }

    /// <summary>Runs made so far by every version of iris (the statistics extension's execution_count).</summary>
    private async Task<long> RunsAsync()
    {
        using var response = await service.Client.GetAsync("/v2/models/iris/stats");
        var stats = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        return stats.GetProperty("model_stats").EnumerateArray().Sum(version => version.GetProperty("execution_count").GetInt64());
    }
}
