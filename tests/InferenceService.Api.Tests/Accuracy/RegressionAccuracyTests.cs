using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Accuracy;

/// <summary>A numeric output (identity_float without labels: y = x, [batch, 3]) scored by MAE and RMSE.</summary>
public class RegressionAccuracyTests(AccuracyModelsFixture service) : IClassFixture<AccuracyModelsFixture>
{
    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Feedback_ScriptedSequence_ReportsHandComputedMaeAndRmse()
    {
        await _client.PredictAsync("regressor", "q1", [[1, 2, 3]]);
        await _client.PredictAsync("regressor", "q2", [[0, 0, 0], [2, 2, 2]]);

        // Errors {0, 0, -2} | {-1, -1, -1}, {0, 0, -1}: 9 values, |e| sum 6, e² sum 8.
        var first = await _client.FeedbackOkAsync("regressor", "q1", """{"y": [[1, 2, 5]]}""");
        await _client.FeedbackOkAsync("regressor", "q2", """{"y": [[1, 1, 1], [2, 2, 3]]}""");

        var firstScore = first.GetProperty("outputs")[0];
        Assert.Equal(2.0 / 3, firstScore.GetProperty("mae").GetDouble(), 12);
        Assert.Equal(Math.Sqrt(4.0 / 3), firstScore.GetProperty("rmse").GetDouble(), 12);
        var output = (await _client.AccuracyAsync("regressor")).Output("y");
        Assert.Equal("regression", output.GetProperty("kind").GetString());
        Assert.False(output.TryGetProperty("predictions", out _));
        var window = output.Window("last_1000");
        Assert.Equal(3, window.GetProperty("scored_rows").GetInt64());
        Assert.Equal(9, window.GetProperty("scored_values").GetInt64());
        Assert.Equal(6.0 / 9, window.GetProperty("mae").GetDouble(), 12);
        Assert.Equal(Math.Sqrt(8.0 / 9), window.GetProperty("rmse").GetDouble(), 12);
        Assert.False(window.TryGetProperty("accuracy", out _));
        Assert.Equal(2, output.Window("last_2").GetProperty("scored_rows").GetInt64());
    }

    [Fact]
    public async Task Infer_InlineNumericTargets_AreScoredAtOnce()
    {
        using var response = await _client.InferAsync("regressor_inline", "eval", [[1, 1, 1]], """{"y": [[2, 2, 2]]}""");
        await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);

        JsonCompare.Equal("""{"window": "last_1000", "scored_rows": 1, "scored_values": 3, "mae": 1, "rmse": 1}""",
            (await _client.AccuracyAsync("regressor_inline")).Output("y").Window("last_1000"));
    }

    [Fact]
    public async Task Feedback_NumericTargetsOfTheWrongShape_IsABadRequest()
    {
        await _client.PredictAsync("regressor", "shape", [[1, 2, 3]]);

        using var response = await _client.FeedbackAsync("regressor", """{"id": "shape", "targets": {"y": [[1, 2]]}}""");

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "targets 'y' row 0 holds 2 numbers, but the output has 3 per row");
    }
}
