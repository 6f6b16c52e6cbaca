using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Tests.TestSupport;
using static InferenceService.Engine.Tests.TestSupport.AccuracyModels;

namespace InferenceService.Engine.Tests.Accuracy;

/// <summary>Feedback sequences whose accuracy, confusion matrix, MAE and RMSE are worked out by hand.</summary>
public sealed class AccuracyTrackerScoringTests : IDisposable
{
    private readonly AccuracyHarness _harness = new(new AccuracyOptions { RowWindows = [2, 1000], TimeWindows = [TimeSpan.FromHours(1)] });

    public void Dispose() => _harness.Dispose();

    [Fact]
    public void Feedback_ScriptedClassSequence_GivesHandComputedAccuracyAndConfusionMatrix()
    {
        var iris = _harness.Own(Iris());
        _harness.Record(IrisResult(iris, 0, 1), "p1");
        _harness.Record(IrisResult(iris, 2), "p2");
        _harness.Record(IrisResult(iris, 1, 1, 0), "p3");

        // Rows (true, predicted): (0,0) (2,1) | (2,2) | (1,1) (0,1) (0,0): 4 of 6 right.
        _harness.Feedback(iris, "p1", """{"label": ["setosa", "virginica"]}""");
        _harness.Feedback(iris, "p2", """{"label": [2]}""");
        _harness.Feedback(iris, "p3", """{"label": ["versicolor", 0, "setosa"]}""");

        var window = AccuracyHarness.Window(_harness.Report(iris, "label"), "last_1000");
        Assert.Equal(6, window.Rows);
        Assert.Equal(4.0 / 6, window.Accuracy!.Value, 12);
        Assert.Equal(IrisLabels, window.Confusion!.Labels);
        Assert.Equal([[2L, 1, 0], [0, 1, 0], [0, 1, 1]], window.Confusion.Counts.Select(r => r.ToArray()));
        Assert.Null(window.MeanAbsoluteError);
    }

    [Fact]
    public void Feedback_ScoresOutput_TakesTheArgmaxOfEachRowAsThePrediction()
    {
        var iris = _harness.Own(Iris());
        _harness.Record(IrisResult(iris, 2, 0), "p");

        var result = _harness.Feedback(iris, "p", """{"probabilities": ["virginica", "versicolor"]}""");

        var scored = Assert.Single(result.Outputs);
        Assert.Equal(("probabilities", 2L, 1L), (scored.Output, scored.Rows, scored.Correct));
        var window = AccuracyHarness.Window(_harness.Report(iris, "probabilities"), "last_1000");
        Assert.Equal(0.5, window.Accuracy);
        Assert.Equal([[0L, 0, 0], [1, 0, 0], [0, 0, 1]], window.Confusion!.Counts.Select(r => r.ToArray()));
        // The other output of the same prediction was not given targets: nothing scored there.
        Assert.Equal(0, AccuracyHarness.Window(_harness.Report(iris, "label"), "last_1000").Rows);
    }

    [Fact]
    public void Feedback_ScriptedNumericSequence_GivesHandComputedMaeAndRmse()
    {
        var model = _harness.Own(IdentityFloat());
        _harness.Record(FloatResult(model, [1, 2, 3]), "q1");
        _harness.Record(FloatResult(model, [0, 0, 0, 2, 2, 2]), "q2");

        // Errors: {0, 0, -2} | {-1, -1, -1}, {0, 0, -1}: 9 values, |e| sum 6, e² sum 8.
        var first = _harness.Feedback(model, "q1", """{"y": [[1, 2, 5]]}""");
        _harness.Feedback(model, "q2", """{"y": [[1, 1, 1], [2, 2, 3]]}""");

        var window = AccuracyHarness.Window(_harness.Report(model, "y"), "last_1000");
        Assert.Equal(3, window.Rows);
        Assert.Equal(9, window.Values);
        Assert.Equal(6.0 / 9, window.MeanAbsoluteError!.Value, 12);
        Assert.Equal(Math.Sqrt(8.0 / 9), window.RootMeanSquaredError!.Value, 12);
        Assert.Null(window.Accuracy);
        var firstScore = Assert.Single(first.Outputs);
        Assert.Equal(2.0 / 3, firstScore.MeanAbsoluteError!.Value, 12);
        Assert.Equal(Math.Sqrt(4.0 / 3), firstScore.RootMeanSquaredError!.Value, 12);
    }

    [Fact]
    public void Feedback_RowWindow_RollsToTheNewestRows()
    {
        var iris = _harness.Own(Iris());
        string[] truth = ["setosa", "setosa", "virginica", "virginica"];
        for (var i = 0; i < truth.Length; i++)
        {
            // Every prediction says setosa: the first two are right, the last two wrong.
            _harness.Record(IrisResult(iris, 0), $"p{i}");
            _harness.Feedback(iris, $"p{i}", $$"""{"label": ["{{truth[i]}}"]}""");
        }

        var report = _harness.Report(iris, "label");

        Assert.Equal((2L, 0.0), (AccuracyHarness.Window(report, "last_2").Rows, AccuracyHarness.Window(report, "last_2").Accuracy!.Value));
        Assert.Equal((4L, 0.5), (AccuracyHarness.Window(report, "last_1000").Rows, AccuracyHarness.Window(report, "last_1000").Accuracy!.Value));
        // The labelled matrix keeps all three classes; the last two rows were virginica predicted as setosa.
        var lastTwo = AccuracyHarness.Window(report, "last_2").Confusion!;
        Assert.Equal(IrisLabels, lastTwo.Labels);
        Assert.Equal([[0L, 0, 0], [0, 0, 0], [2, 0, 0]], lastTwo.Counts.Select(r => r.ToArray()));
    }

    [Fact]
    public void Feedback_TimeWindow_ForgetsRowsScoredMoreThanAnHourAgo()
    {
        var iris = _harness.Own(Iris());
        _harness.Record(IrisResult(iris, 0), "early");
        _harness.Feedback(iris, "early", """{"label": ["setosa"]}""");
        _harness.Time.Advance(TimeSpan.FromMinutes(40));
        _harness.Record(IrisResult(iris, 0), "late");
        _harness.Feedback(iris, "late", """{"label": ["virginica"]}""");

        _harness.Time.Advance(TimeSpan.FromMinutes(30));
        var report = _harness.Report(iris, "label");

        Assert.Equal((1L, 0.0), (AccuracyHarness.Window(report, "last_1h").Rows, AccuracyHarness.Window(report, "last_1h").Accuracy!.Value));
        Assert.Equal(2, AccuracyHarness.Window(report, "last_1000").Rows);
    }

    [Fact]
    public void Record_InlineTargets_ScoresAtOnceAndRefusesLaterFeedback()
    {
        var iris = _harness.Own(Iris());

        _harness.Record(IrisResult(iris, 0, 2), "eval", """{"label": ["setosa", "versicolor"]}""");

        var window = AccuracyHarness.Window(_harness.Report(iris, "label"), "last_1000");
        Assert.Equal((2L, 0.5), (window.Rows, window.Accuracy!.Value));
        _harness.FeedbackError(iris, "eval", """{"label": [0, 0]}""", InferenceService.Engine.InferenceErrorKind.Conflict);
    }

    [Fact]
    public void Record_InlineNumericTargets_ScoreEvenAnOutputTooLargeToKeep()
    {
        using var harness = new AccuracyHarness(new AccuracyOptions { MaxStoredValuesPerOutput = 2 });
        var model = harness.Own(IdentityFloat());

        harness.Record(FloatResult(model, [1, 1, 1]), "eval", """{"y": [[2, 2, 2]]}""");

        var window = AccuracyHarness.Window(harness.Report(model, "y"), "last_1000");
        Assert.Equal((1L, 3L, 1.0, 1.0), (window.Rows, window.Values!.Value, window.MeanAbsoluteError!.Value, window.RootMeanSquaredError!.Value));
    }

    [Fact]
    public void Feedback_ModelAnsweredNaN_LeavesThatValueOutOfTheErrors()
    {
        var model = _harness.Own(IdentityFloat());
        _harness.Record(FloatResult(model, [float.NaN, 1, 1]), "q");

        _harness.Feedback(model, "q", """{"y": [[5, 2, 3]]}""");

        var window = AccuracyHarness.Window(_harness.Report(model, "y"), "last_1000");
        Assert.Equal((2L, 1.5), (window.Values!.Value, window.MeanAbsoluteError!.Value));
    }

    [Fact]
    public void Feedback_OneVersionOfMany_ScoresOnlyThatVersion()
    {
        var v1 = _harness.Own(Iris(1));
        var v2 = _harness.Own(Iris(2));
        _harness.Record(IrisResult(v1, 0), "a");
        _harness.Record(IrisResult(v2, 0), "b");

        var result = _harness.Feedback("iris", [1, 2], "b", """{"label": [0]}""");

        Assert.Equal(2, result.Prediction.Version);
        Assert.Equal(0, AccuracyHarness.Window(_harness.Report(v1, "label"), "last_1000").Rows);
        Assert.Equal(1, AccuracyHarness.Window(_harness.Report(v2, "label"), "last_1000").Rows);
    }

    [Fact]
    public void Report_NothingScored_ListsScorableOutputsWithEmptyWindows()
    {
        var iris = _harness.Own(Iris());

        var report = _harness.Report(iris);

        Assert.Equal(["probabilities", "label"], report.Outputs.Select(o => o.Output));
        Assert.Equal(ScoredOutputKind.ClassScores, report.Outputs[0].Kind);
        Assert.Equal(ScoredOutputKind.ClassIndex, report.Outputs[1].Kind);
        Assert.All(report.Outputs.SelectMany(o => o.Windows), w => Assert.Equal((0L, (double?)null, (ConfusionMatrix?)null), (w.Rows, w.Accuracy, w.Confusion)));
        Assert.Equal(["last_2", "last_1000", "last_1h"], report.Outputs[0].Windows.Select(w => w.Window.Name));
    }

    [Fact]
    public void Report_MoreClassesThanTheMatrixLimit_LeavesTheMatrixOut()
    {
        using var harness = new AccuracyHarness(new AccuracyOptions { MaxConfusionMatrixClasses = 2 });
        var iris = harness.Own(Iris());
        harness.Record(IrisResult(iris, 0, 1, 2), "p");

        harness.Feedback(iris, "p", """{"label": [0, 1, 2]}""");

        var window = AccuracyHarness.Window(harness.Report(iris, "label"), "last_1000");
        Assert.Equal((3L, 1.0), (window.Rows, window.Accuracy!.Value));
        Assert.Null(window.Confusion);
    }
}
