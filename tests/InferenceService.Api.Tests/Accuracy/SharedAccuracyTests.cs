using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Accuracy;

/// <summary>
/// Two service processes sharing one real Redis (<c>Accuracy:Store=redis</c>): a prediction answered by one replica
/// takes its feedback on the other, once, and both report the whole service's accuracy. Each test uses its own model
/// ids, so the tests of the class can share the replicas.
/// </summary>
public class SharedAccuracyTests(TwoReplicasFixture service) : IClassFixture<TwoReplicasFixture>
{
    private static readonly float[] A = [0.75f, 0.125f, 0.125f];
    private static readonly float[] B = [0.125f, 0.75f, 0.125f];
    private static readonly float[] C = [0.125f, 0.125f, 0.75f];

    private HttpClient First => service.Clients[0];

    private HttpClient Second => service.Clients[1];

    [Fact]
    public async Task Feedback_PredictionsOnOneReplicaFeedbackOnTheOther_BothReportTheHandComputedFigures()
    {
        var before = SharedAccuracyFixture.Stored(await PrometheusAssert.ScrapeAsync(First));
        await First.PredictAsync("shared", "s1", [A, B]);
        await First.PredictAsync("shared", "s2", [C]);
        await First.PredictAsync("shared", "s3", [B, B, A]);
        await First.PredictAsync("regressor", "r1", [[1, 2, 3]]);
        await First.PredictAsync("regressor", "r2", [[0, 0, 0], [2, 2, 2]]);
        await SharedAccuracyFixture.WaitForStoredAsync(First, before + 5);

        // Rows (true, predicted): (a,a) (c,b) | (c,c) | (b,b) (a,b) (a,a): 4 of 6 right; the newest two, 1 of 2.
        var first = await Second.FeedbackOkAsync("shared", "s1", """{"y": ["a", "c"]}""");
        await Second.FeedbackOkAsync("shared", "s2", """{"y": [2]}""");
        await Second.FeedbackOkAsync("shared", "s3", """{"y": ["b", 0, "a"]}""");
        // Errors: |1-1| |2-2| |3-5| and |0-1| |0-1| |0-1| |2-2| |2-2| |2-3|: 6 over 9 values, squared 8 over 9.
        await Second.FeedbackOkAsync("regressor", "r1", """{"y": [[1, 2, 5]]}""");
        await Second.FeedbackOkAsync("regressor", "r2", """{"y": [[1, 1, 1], [2, 2, 3]]}""");

        JsonCompare.Equal("""{"model_name": "shared", "model_version": "1", "id": "s1", "outputs": [{"name": "y", "scored_rows": 2, "correct": 1}]}""", first);
        var fromFirst = await First.AccuracyAsync("shared");
        var fromSecond = await Second.AccuracyAsync("shared");
        Assert.Equal(fromFirst.GetRawText(), fromSecond.GetRawText());
        var output = fromFirst.Output("y");
        foreach (var window in (string[])["last_1000", "last_1h"])
        {
            var scored = output.Window(window);
            Assert.Equal(6, scored.GetProperty("scored_rows").GetInt64());
            Assert.Equal(4.0 / 6, scored.GetProperty("accuracy").GetDouble(), 12);
            JsonCompare.Equal("""{"labels": ["a", "b", "c"], "counts": [[2, 1, 0], [0, 1, 0], [0, 1, 1]]}""", scored.GetProperty("confusion_matrix"));
            var predicted = output.Window(window, "predictions");
            Assert.Equal(6, predicted.GetProperty("rows").GetInt64());
        }
        JsonCompare.Equal("""
            {"window": "last_2", "scored_rows": 2, "accuracy": 0.5, "confusion_matrix": {"labels": ["a", "b", "c"], "counts": [[1, 1, 0], [0, 0, 0], [0, 0, 0]]}}
            """, output.Window("last_2"));

        var regressionFirst = await First.AccuracyAsync("regressor");
        Assert.Equal(regressionFirst.GetRawText(), (await Second.AccuracyAsync("regressor")).GetRawText());
        var errors = regressionFirst.Output("y").Window("last_1000");
        Assert.Equal((3L, 9L), (errors.GetProperty("scored_rows").GetInt64(), errors.GetProperty("scored_values").GetInt64()));
        Assert.Equal(6.0 / 9, errors.GetProperty("mae").GetDouble(), 12);
        Assert.Equal(Math.Sqrt(8.0 / 9), errors.GetProperty("rmse").GetDouble(), 12);
    }

    [Fact]
    public async Task Feedback_TwiceAtOnceOnTwoReplicas_IsOneOkAndOneConflict()
    {
        var before = SharedAccuracyFixture.Stored(await PrometheusAssert.ScrapeAsync(First));
        await First.PredictAsync("shared", "twice", [A, C]);
        await SharedAccuracyFixture.WaitForStoredAsync(First, before + 1);
        const string Body = """{"id": "twice", "targets": {"y": ["a", "c"]}}""";

        var statuses = await Task.WhenAll(
            SharedAccuracyFixture.StatusOfAsync(First.FeedbackAsync("shared", Body)),
            SharedAccuracyFixture.StatusOfAsync(Second.FeedbackAsync("shared", Body)));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], statuses.Order());
        using var third = await Second.FeedbackAsync("shared", Body);
        await ResponseAssert.ProtocolErrorAsync(third, HttpStatusCode.Conflict, "'twice'", "already been scored");
    }

    [Fact]
    public async Task Feedback_InlineTargetsOnOneReplica_AreAConflictOnTheOther()
    {
        var before = SharedAccuracyFixture.Stored(await PrometheusAssert.ScrapeAsync(First));
        await First.PredictAsync("shared", "inline-shared", [B], """{"y": ["b"]}""");
        await SharedAccuracyFixture.WaitForStoredAsync(First, before + 1);

        using var again = await Second.FeedbackAsync("shared", """{"id": "inline-shared", "targets": {"y": ["b"]}}""");

        await ResponseAssert.ProtocolErrorAsync(again, HttpStatusCode.Conflict, "'inline-shared'", "already been scored");
    }

    [Fact]
    public async Task Feedback_UnknownIdOnEitherReplica_IsNotFound()
    {
        using var response = await Second.FeedbackAsync("shared", """{"id": "never-made", "targets": {"y": ["a"]}}""");

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.NotFound, "'never-made'");
    }
}

/// <summary>
/// Redis taken away under a running replica and brought back: predictions keep answering, feedback answers 503 with
/// Retry-After while Redis is gone (the outage logged once), and everything works again once it returns.
/// </summary>
public class RedisOutageTests(RedisOutageFixture service) : IClassFixture<RedisOutageFixture>
{
    private static readonly float[] A = [0.75f, 0.125f, 0.125f];

    [Fact]
    public async Task RedisStopped_PredictionsAnswerAndFeedbackIsUnavailable_UntilItReturns()
    {
        var client = service.Clients[0];
        var replica = service.Replicas[0];
        var before = SharedAccuracyFixture.Stored(await PrometheusAssert.ScrapeAsync(client));
        await client.PredictAsync("shared", "before", [A]);
        await SharedAccuracyFixture.WaitForStoredAsync(client, before + 1);

        await service.Redis.StopAsync();
        for (var i = 0; i < 5; i++)
        {
            await client.PredictAsync("shared", $"during-{i}", [A]);
        }
        await SharedAccuracyFixture.WaitForStoredAsync(client, 1, outcome: "failed");
        for (var i = 0; i < 3; i++)
        {
            using var feedback = await client.FeedbackAsync("shared", """{"id": "before", "targets": {"y": ["a"]}}""");
            await ResponseAssert.ProtocolErrorAsync(feedback, HttpStatusCode.ServiceUnavailable, "shared accuracy store cannot be reached");
            Assert.True(feedback.Headers.RetryAfter is not null, "A 503 for an unreachable store carries Retry-After.");
            Assert.DoesNotContain(service.Redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), await feedback.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var report = await client.GetAsync("/v2/models/shared/accuracy"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, report.StatusCode);
        }
        await replica.WaitForLineAsync(l => l.Contains("shared accuracy store cannot be reached", StringComparison.Ordinal), "the outage's warning");
        Assert.Single(replica.Output.Split('\n'), l => l.Contains("shared accuracy store cannot be reached", StringComparison.Ordinal));

        await service.Redis.StartAgainAsync();
        // The client reconnects on its own; predictions made from then on are kept and take their feedback.
        var recovered = await RetryUntilOkAsync(async attempt =>
        {
            var stored = SharedAccuracyFixture.Stored(await PrometheusAssert.ScrapeAsync(client));
            await client.PredictAsync("shared", $"after-{attempt}", [A]);
            await PrometheusAssert.ScrapeWhenAsync(client, s => SharedAccuracyFixture.Stored(s) > stored);
            using var feedback = await client.FeedbackAsync("shared", "{\"id\": \"after-" + attempt + "\", \"targets\": {\"y\": [\"a\"]}}");
            return feedback.StatusCode;
        });
        Assert.Equal(HttpStatusCode.OK, recovered);
        await replica.WaitForLineAsync(l => l.Contains("shared accuracy store is reachable again", StringComparison.Ordinal), "the recovery's line");
        var window = (await client.AccuracyAsync("shared")).Output("y").Window("last_1000");
        Assert.Equal(1, window.GetProperty("scored_rows").GetInt64());
    }

    /// <summary>Tries again while the answer is not 200, for thirty seconds at most (reconnecting takes a moment).</summary>
    private static async Task<HttpStatusCode> RetryUntilOkAsync(Func<int, Task<HttpStatusCode>> attempt)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var status = HttpStatusCode.ServiceUnavailable;
        for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(30); i++)
        {
            status = await attempt(i);
            if (status == HttpStatusCode.OK)
            {
                break;
            }
            await Task.Delay(200);
        }
        return status;
    }
}
