using System.Net;
using System.Text.Json;
using InferenceService.LoadGenerator.Cli;
using InferenceService.LoadGenerator.Load;
using InferenceService.LoadGenerator.Reporting;
using InferenceService.LoadGenerator.Tests.TestSupport;

namespace InferenceService.LoadGenerator.Tests.Load;

public class LoadRunnerTests
{
    private static RunOptions Options(IReadOnlyList<int>? concurrency = null, IReadOnlyList<double>? rate = null, long? requests = 64, TimeSpan? duration = null) => new()
    {
        BaseUrl = new Uri("http://127.0.0.1:8080/"),
        Model = "mlp",
        BatchSize = 3,
        Concurrency = rate is null ? concurrency ?? [4] : null,
        Rate = rate,
        RequestsPerStep = duration is null ? requests : null,
        Duration = duration,
        Warmup = TimeSpan.Zero,
        WarmupConcurrency = 1,
        RequestTimeout = TimeSpan.FromSeconds(10),
        MaxInFlight = 64,
    };

    private static Task<RunResult> RunAsync(RunOptions options, FakeServer server) =>
        new LoadRunner(options, TextWriter.Null, server).RunAsync(CancellationToken.None);

    [Fact]
    public async Task RunAsync_ClosedLoopWithCount_SendsExactlyThatManyGeneratedRequestsPerStep()
    {
        using var server = new FakeServer();

        var result = await RunAsync(Options(concurrency: [1, 4], requests: 64), server);

        Assert.Equal(128, server.InferCount);
        Assert.Equal(["c=1", "c=4"], result.Steps.Select(s => s.Label));
        Assert.All(result.Steps, s =>
        {
            Assert.Equal(64, s.Sent);
            Assert.Equal(64, s.Succeeded);
            Assert.Equal(64, s.StatusCounts[200]);
            Assert.True(s.RequestsPerSecond > 0);
            Assert.InRange(s.RowsPerSecond, (3 * s.RequestsPerSecond) - 1, (3 * s.RequestsPerSecond) + 1);
        });
        using var body = JsonDocument.Parse(server.InferBodies[0]);
        Assert.Equal([3L, 4], body.RootElement.GetProperty("inputs")[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(3, result.RowsPerRequest);
    }

    [Fact]
    public async Task RunAsync_StatisticsAndMetricsAnswer404_ReportsTheSplitAndTheServersTimesUnavailableAndStillMeasures()
    {
        using var server = new FakeServer();

        var step = Assert.Single((await RunAsync(Options(), server)).Steps);

        Assert.False(step.Server.Available);
        Assert.Contains("404", step.Server.Reason, StringComparison.Ordinal);
        Assert.False(step.ServerLatency.Available);
        Assert.Contains("404", step.ServerLatency.Reason, StringComparison.Ordinal);
        Assert.Equal(64, step.Succeeded);
    }

    [Fact]
    public async Task RunAsync_StatisticsServed_ReportsTheStepsOwnDelta()
    {
        using var server = new FakeServer { ServesStatistics = true };

        var step = Assert.Single((await RunAsync(Options(requests: 64), server)).Steps);

        Assert.True(step.Server.Available);
        Assert.Equal(64, step.Server.Rows);
        Assert.Equal(2, step.Server.Executions);
        Assert.Equal(32, step.Server.RowsPerExecution);
        Assert.Equal(2.0, step.Server.QueueMs);
    }

    [Fact]
    public async Task RunAsync_MetricsServed_ReportsTheServersOwnAnswerTimesForTheStep()
    {
        using var server = new FakeServer { ServesMetrics = true };

        var steps = (await RunAsync(Options(concurrency: [1, 4], requests: 40), server)).Steps;

        Assert.All(steps, step =>
        {
            Assert.True(step.ServerLatency.Available);
            Assert.Equal(40, step.ServerLatency.Answers); // the step's own infer answers: not the other step's, not the health route's
            Assert.Equal(0.75, step.ServerLatency.P50Ms); // halfway through the bucket from 0.5 to 1 ms
        });
    }

    [Fact]
    public async Task RunAsync_RefusalsFailuresAndDroppedConnections_AreCountedApart()
    {
        using var server = new FakeServer
        {
            Infer = n => (n % 4) switch
            {
                0 => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new(TimeSpan.FromSeconds(1)) } },
                1 => new HttpResponseMessage(HttpStatusCode.OK),
                2 => new HttpResponseMessage(HttpStatusCode.InternalServerError),
                _ => throw new HttpRequestException(HttpRequestError.ConnectionError, "reset"),
            },
        };

        var step = Assert.Single((await RunAsync(Options(requests: 40), server)).Steps);

        Assert.Equal(40, step.Sent);
        Assert.Equal(30, step.Answered);
        Assert.Equal(10, step.Succeeded);
        Assert.Equal(10, step.StatusCounts[503]);
        Assert.Equal(10, step.Rejected!.Count);
        Assert.Equal(10, step.Admitted!.Count);
        Assert.Equal(10, step.OtherServerErrors);
        Assert.Equal(10, step.TransportErrors["connection_error"]);
        Assert.Equal(0, step.RejectedWithoutRetryAfter);
    }

    [Fact]
    public async Task RunAsync_OpenLoop_SendsOnScheduleForTheDuration()
    {
        using var server = new FakeServer();

        var options = Options(rate: [200], duration: TimeSpan.FromMilliseconds(500)) with { MaxInFlight = 1000 };

        var step = Assert.Single((await RunAsync(options, server)).Steps);

        // 200 per second for half a second: 100 due, the first at once, the last after 495 ms. The driver sends
        // what falls due within its minimum sleep in the same wake-up, and the runtime's timer has millisecond
        // granularity, so the last request may leave a few milliseconds early; a burst would take a few ms in all.
        Assert.Equal(100, step.Sent);
        Assert.Equal(step.Sent, server.InferCount);
        Assert.Equal(0, step.NotSent);
        Assert.True(step.ElapsedSeconds >= 0.485, $"{step.ElapsedSeconds} s");
        Assert.NotNull(step.ScheduleLag);
        Assert.Equal("rate=200", step.Label);
    }

    [Fact]
    public async Task RunAsync_OpenLoopWithSlowAnswers_DoesNotWaitForThemAndCountsWhatTheInFlightBoundHeldBack()
    {
        var release = new TaskCompletionSource();
        using var server = new FakeServer { Hold = () => release.Task };
        var options = Options(rate: [1000], requests: 50) with { MaxInFlight = 10 };

        var run = RunAsync(options, server);
        await Task.Delay(1000);
        release.SetResult();
        var step = Assert.Single((await run).Steps);

        // The schedule went on while ten requests hung: the forty others were due and counted, not queued in the client.
        Assert.Equal(10, step.Sent);
        Assert.Equal(40, step.NotSent);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_CancelledWhileAnswersAreOutstanding_StopsPromptly(bool openLoop)
    {
        var never = new TaskCompletionSource();
        using var server = new FakeServer { Hold = () => never.Task };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var options = openLoop ? Options(rate: [100], duration: TimeSpan.FromSeconds(30)) : Options(concurrency: [4], duration: TimeSpan.FromSeconds(30));

        var run = new LoadRunner(options, TextWriter.Null, server).RunAsync(cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
