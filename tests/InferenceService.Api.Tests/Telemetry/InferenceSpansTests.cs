using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Engine.Telemetry;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>
/// The service's spans, seen by a listener on its ActivitySource and ASP.NET Core's. Listeners are process-wide, so
/// each test sends its own trace id (traceparent) and looks only at that trace.
/// </summary>
public sealed class InferenceSpansTests : IClassFixture<IrisFixture>, IDisposable
{
    private readonly HttpClient _client;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public InferenceSpansTests(IrisFixture service)
    {
        _client = service.Client;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is TelemetryNames.ActivitySource or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Predict_Succeeds_RecordsInferenceSpanUnderAspNetCoreWithQueueAndRunInside()
    {
        var trace = ActivityTraceId.CreateRandom();
        var caller = ActivitySpanId.CreateRandom();
        await PostAsync(trace, caller, """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] } }""", HttpStatusCode.OK);

        var spans = await SpansOfAsync(trace, expected: 4);

        var server = Assert.Single(spans, s => s.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(caller, server.ParentSpanId);
        var inference = Assert.Single(spans, s => s.OperationName == "inference iris");
        Assert.Equal(server.SpanId, inference.ParentSpanId);
        Assert.Equal("iris", inference.GetTagItem("model"));
        Assert.Equal("2", inference.GetTagItem("version"));
        Assert.Equal("success", inference.GetTagItem("outcome"));
        Assert.Equal(200, inference.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, inference.Status);

        var queue = Assert.Single(spans, s => s.OperationName == "queue");
        var run = Assert.Single(spans, s => s.OperationName == "run");
        foreach (var stage in (Activity[])[queue, run])
        {
            Assert.Equal(inference.SpanId, stage.ParentSpanId);
            Assert.Equal("iris", stage.GetTagItem("model"));
            Assert.Equal("2", stage.GetTagItem("version"));
            Assert.Equal(1, stage.GetTagItem("batch.size"));
            Assert.Equal(1, stage.GetTagItem("batch.requests"));
            Assert.True(stage.StartTimeUtc >= inference.StartTimeUtc, $"{stage.OperationName} starts before the request.");
            Assert.True(stage.StartTimeUtc + stage.Duration <= inference.StartTimeUtc + inference.Duration, $"{stage.OperationName} ends after the request.");
        }
        Assert.True(queue.StartTimeUtc + queue.Duration <= run.StartTimeUtc, "The queue ends after the Run starts.");
        Assert.True(run.Duration > TimeSpan.Zero);
    }

    [Fact]
    public async Task Predict_BadInput_RecordsInferenceSpanWithOutcomeAndNoStages()
    {
        var trace = ActivityTraceId.CreateRandom();
        await PostAsync(trace, ActivitySpanId.CreateRandom(), """{ "model": "iris", "inputs": { "input": [[1, 2]] } }""", HttpStatusCode.BadRequest);

        var spans = await SpansOfAsync(trace, expected: 2);

        var inference = Assert.Single(spans, s => s.Source.Name == TelemetryNames.ActivitySource);
        Assert.Equal("inference iris", inference.OperationName);
        Assert.Equal("client_error", inference.GetTagItem("outcome"));
        Assert.Equal(400, inference.GetTagItem("http.response.status_code"));
    }

    private async Task PostAsync(ActivityTraceId trace, ActivitySpanId parent, string body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{parent.ToHexString()}-01");
        using var response = await _client.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }

    /// <summary>The spans of one trace, once <paramref name="expected"/> have stopped (the last stop just after the answer is sent).</summary>
    private async Task<IReadOnlyList<Activity>> SpansOfAsync(ActivityTraceId trace, int expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var spans = _stopped.Where(a => a.TraceId == trace).ToArray();
            if (spans.Length >= expected || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                Assert.Equal(expected, spans.Length);
                return spans;
            }
            await Task.Delay(20);
        }
    }
}
