using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Accuracy;

/// <summary>
/// Feedback and the accuracy report through HTTP, on labelled identity models whose input rows are their class
/// scores: <see cref="A"/> predicts class a, <see cref="B"/> b, <see cref="C"/> c, each with confidence 0.75.
/// </summary>
public class ClassificationAccuracyTests(AccuracyModelsFixture service) : IClassFixture<AccuracyModelsFixture>
{
    private static readonly float[] A = [0.75f, 0.125f, 0.125f];
    private static readonly float[] B = [0.125f, 0.75f, 0.125f];
    private static readonly float[] C = [0.125f, 0.125f, 0.75f];

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Feedback_ScriptedSequence_ReportsHandComputedAccuracyAndConfusionMatrix()
    {
        await _client.PredictAsync("scripted", "p1", [A, B]);
        using (var infer = await _client.InferAsync("scripted", "p2", [C]))
        {
            await ResponseAssert.JsonAsync(infer, HttpStatusCode.OK);
        }
        await _client.PredictAsync("scripted", "p3", [B, B, A]);

        // Rows (true, predicted): (a,a) (c,b) | (c,c) | (b,b) (a,b) (a,a): 4 of 6 right.
        var first = await _client.FeedbackOkAsync("scripted", "p1", """{"y": ["a", "c"]}""");
        await _client.FeedbackOkAsync("scripted", "p2", """{"y": [2]}""");
        await _client.FeedbackOkAsync("scripted", "p3", """{"y": ["b", 0, "a"]}""");

        JsonCompare.Equal("""{"model_name": "scripted", "model_version": "1", "id": "p1", "outputs": [{"name": "y", "scored_rows": 2, "correct": 1}]}""", first);
        var output = (await _client.AccuracyAsync("scripted")).Output("y");
        Assert.Equal("classification", output.GetProperty("kind").GetString());
        var window = output.Window("last_1000");
        Assert.Equal(6, window.GetProperty("scored_rows").GetInt64());
        Assert.Equal(4.0 / 6, window.GetProperty("accuracy").GetDouble(), 12);
        JsonCompare.Equal("""{"labels": ["a", "b", "c"], "counts": [[2, 1, 0], [0, 1, 0], [0, 1, 1]]}""", window.GetProperty("confusion_matrix"));
        Assert.False(window.TryGetProperty("mae", out _));
    }

    [Fact]
    public async Task Feedback_MoreRowsThanTheSmallWindow_RollsItToTheNewestRows()
    {
        string[] truth = ["a", "a", "c", "c"];
        for (var i = 0; i < truth.Length; i++)
        {
            await _client.PredictAsync("rolling", $"r{i}", [A]);
            await _client.FeedbackOkAsync("rolling", $"r{i}", $$"""{"y": ["{{truth[i]}}"]}""");
        }

        var output = (await _client.AccuracyAsync("rolling")).Output("y");

        JsonCompare.Equal("""
            {"window": "last_2", "scored_rows": 2, "accuracy": 0, "confusion_matrix": {"labels": ["a", "b", "c"], "counts": [[0, 0, 0], [0, 0, 0], [2, 0, 0]]}}
            """, output.Window("last_2"));
        Assert.Equal(0.5, output.Window("last_1000").GetProperty("accuracy").GetDouble());
        Assert.Equal(0.5, output.Window("last_1h").GetProperty("accuracy").GetDouble());
    }

    [Fact]
    public async Task Accuracy_AnHourAfterTheLastFeedback_HourWindowIsEmptyAndRowWindowsRemain()
    {
        await _client.PredictAsync("rolling_hour", "late", [C]);
        await _client.FeedbackOkAsync("rolling_hour", "late", """{"y": ["c"]}""");

        service.Time.Advance(TimeSpan.FromMinutes(61));
        var output = (await _client.AccuracyAsync("rolling_hour")).Output("y");

        JsonCompare.Equal("""{"window": "last_1h", "scored_rows": 0}""", output.Window("last_1h"));
        Assert.True(output.Window("last_1000").GetProperty("scored_rows").GetInt64() >= 1);
    }

    [Fact]
    public async Task Predict_InlineTargets_AreScoredAtOnceAndRefuseLaterFeedback()
    {
        var answer = await _client.PredictAsync("inline_predict", "eval", [A, C], """{"y": ["a", "b"]}""");

        Assert.Equal("eval", answer.GetProperty("id").GetString());
        JsonCompare.Equal("""["a", "c"]""", answer.GetProperty("labels").GetProperty("y"));
        var window = (await _client.AccuracyAsync("inline_predict")).Output("y").Window("last_1000");
        Assert.Equal((2L, 0.5), (window.GetProperty("scored_rows").GetInt64(), window.GetProperty("accuracy").GetDouble()));
        using var again = await _client.FeedbackAsync("inline_predict", """{"id": "eval", "targets": {"y": ["a", "c"]}}""");
        await ResponseAssert.ProtocolErrorAsync(again, HttpStatusCode.Conflict, "'eval'", "already been scored");
    }

    [Fact]
    public async Task Infer_InlineTargetsInParameters_AreScoredAtOnce()
    {
        using var response = await _client.InferAsync("inline_infer", "eval", [C, B], """{"y": [2, "b"]}""");
        await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);

        var window = (await _client.AccuracyAsync("inline_infer")).Output("y").Window("last_1000");
        Assert.Equal((2L, 1.0), (window.GetProperty("scored_rows").GetInt64(), window.GetProperty("accuracy").GetDouble()));
    }

    [Fact]
    public async Task Infer_InlineTargetsThatDoNotFit_IsABadRequestAndScoresNothing()
    {
        using var response = await _client.InferAsync("inline_infer", "bad", [C], """{"y": ["z"]}""");

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "parameters.targets 'y' row 0: \"z\" is not a class of output 'y' (its classes: a, b, c)");
        using var feedback = await _client.FeedbackAsync("inline_infer", """{"id": "bad", "targets": {"y": ["c"]}}""");
        await ResponseAssert.ProtocolErrorAsync(feedback, HttpStatusCode.NotFound, "'bad'");
    }

    [Fact]
    public async Task Predict_InlineTargetsThatDoNotFit_IsAProblemDetailsBadRequest()
    {
        using var response = await _client.PostJsonTextAsync("/predict",
            """{"model": "inline_predict", "inputs": {"x": [[1, 0, 0]]}, "targets": {"y": ["a", "b"]}}""");

        await ResponseAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "targets 'y' has 2 values, but the prediction has 1 row");
    }

    [Fact]
    public async Task Infer_WithoutAnId_TakesFeedbackByTheGeneratedId()
    {
        using var response = await _client.InferAsync("errors", null, [B]);
        var answer = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        var id = answer.GetProperty("id").GetString()!;
        Assert.Equal(id, Assert.Single(response.Headers.GetValues("X-Prediction-Id")));

        var feedback = await _client.FeedbackOkAsync("errors", id, """{"y": ["b"]}""");

        Assert.Equal(1, feedback.GetProperty("outputs")[0].GetProperty("correct").GetInt64());
    }

    [Fact]
    public async Task Accuracy_WithoutFeedback_ReportsTheLabelFreeSignals()
    {
        await _client.PredictAsync("signals", "s1", [A, A, C]);

        var output = (await _client.AccuracyAsync("signals")).Output("y");

        var predictions = output.Window("last_1000", "predictions");
        JsonCompare.Equal("""[{"class": "a", "count": 2}, {"class": "c", "count": 1}]""", predictions.GetProperty("classes"));
        Assert.Equal(3, predictions.GetProperty("rows").GetInt64());
        var confidence = predictions.GetProperty("confidence");
        JsonCompare.Equal("[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1]", confidence.GetProperty("upper_bounds"));
        JsonCompare.Equal("[0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]", confidence.GetProperty("counts"));
        Assert.Equal(0.75, confidence.GetProperty("mean").GetDouble());
        JsonCompare.Equal("""{"window": "last_1000", "scored_rows": 0}""", output.Window("last_1000"));
    }

    [Fact]
    public async Task Feedback_VersionlessRoute_FindsTheVersionThatMadeThePrediction()
    {
        using (var v1 = await _client.InferAsync("versions/versions/1", "only-v1", [A]))
        {
            await ResponseAssert.JsonAsync(v1, HttpStatusCode.OK);
        }

        var feedback = await _client.FeedbackOkAsync("versions", "only-v1", """{"y": ["a"]}""");

        Assert.Equal("1", feedback.GetProperty("model_version").GetString());
        Assert.Equal(1, (await _client.AccuracyAsync("versions", "1")).Output("y").Window("last_1000").GetProperty("scored_rows").GetInt64());
        var newest = await _client.AccuracyAsync("versions");
        Assert.Equal("2", newest.GetProperty("model_version").GetString());
        Assert.Equal(0, newest.Output("y").Window("last_1000").GetProperty("scored_rows").GetInt64());
    }

    [Fact]
    public async Task Feedback_IdMadeByTwoVersions_NeedsTheVersionRoute()
    {
        foreach (var version in new[] { "1", "2" })
        {
            using var response = await _client.InferAsync($"versions_both/versions/{version}", "both", [A]);
            await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        }

        using var ambiguous = await _client.FeedbackAsync("versions_both", """{"id": "both", "targets": {"y": ["a"]}}""");
        await ResponseAssert.ProtocolErrorAsync(ambiguous, HttpStatusCode.Conflict, "versions 1 and 2");
        var scored = await _client.FeedbackOkAsync("versions_both", "both", """{"y": ["b"]}""", version: "2");

        Assert.Equal("2", scored.GetProperty("model_version").GetString());
    }

    [Fact]
    public async Task Feedback_IrisSample_ScoresBothLabelledOutputs()
    {
        float[][] rows = [[5.1f, 3.5f, 1.4f, 0.2f], [6.7f, 3.0f, 5.2f, 2.3f]];
        var answer = await _client.PredictAsync("iris", "iris-1", rows, input: "input");
        JsonCompare.Equal("""["setosa", "virginica"]""", answer.GetProperty("labels").GetProperty("label"));

        var feedback = await _client.FeedbackOkAsync("iris", "iris-1", """{"label": ["setosa", "versicolor"], "probabilities": [0, 2]}""");

        JsonCompare.Equal("""
            [{"name": "label", "scored_rows": 2, "correct": 1}, {"name": "probabilities", "scored_rows": 2, "correct": 2}]
            """, feedback.GetProperty("outputs"));
        var report = await _client.AccuracyAsync("iris");
        Assert.Equal("2", report.GetProperty("model_version").GetString());
        Assert.Equal(0.5, report.Output("label").Window("last_1000").GetProperty("accuracy").GetDouble());
        Assert.Equal(1.0, report.Output("probabilities").Window("last_1000").GetProperty("accuracy").GetDouble());
        // Only the scores output has a confidence to report.
        Assert.False(report.Output("label").Window("last_1000", "predictions").TryGetProperty("confidence", out _));
        Assert.True(report.Output("probabilities").Window("last_1000", "predictions").TryGetProperty("confidence", out _));
    }
}
