using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Tests.TestSupport;
using Microsoft.ML.OnnxRuntime;
using static InferenceService.Engine.Tests.TestSupport.AccuracyModels;

namespace InferenceService.Engine.Tests.Accuracy;

/// <summary>The label-free signals: predicted class distribution and top-1 confidence, without any ground truth.</summary>
public sealed class PredictionSignalTests : IDisposable
{
    private readonly AccuracyHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private PredictionWindowReport Predictions(InferenceService.Engine.Serving.LoadedModel model, string output) =>
        _harness.Report(model, output).Predictions!.Single(w => w.Window.Name == "last_1000");

    [Fact]
    public void Record_WithoutFeedback_CountsEachPredictedClass()
    {
        var iris = _harness.Own(Iris());

        _harness.Record(IrisResult(iris, 0, 2, 2), "a");
        _harness.Record(IrisResult(iris, 2), "b");

        var label = Predictions(iris, "label");
        Assert.Equal(4, label.Rows);
        Assert.Equal([new ClassCount("setosa", 1), new ClassCount("virginica", 3)], label.Classes);
        Assert.Null(label.ConfidenceCounts);
    }

    [Fact]
    public void Record_ProbabilityScores_TakeTheTopProbabilityAsConfidence()
    {
        var iris = _harness.Own(Iris());

        // IrisResult gives the predicted class 0.75 and the others 0.125: already probabilities.
        _harness.Record(IrisResult(iris, 1, 0), "a");

        var scores = Predictions(iris, "probabilities");
        var expected = new long[ConfidenceBuckets.UpperBounds.Count];
        expected[ConfidenceBuckets.IndexOf(0.75)] = 2;
        Assert.Equal(expected, scores.ConfidenceCounts);
        Assert.Equal(0.75, scores.MeanConfidence);
        Assert.Equal(7, ConfidenceBuckets.IndexOf(0.75)); // (0.7, 0.8]
    }

    [Fact]
    public void Record_LogitScores_TakeTheTopSoftmaxProbabilityAsConfidence()
    {
        var model = _harness.Own(LabelledScores("a", "b", "c"));

        _harness.Record(FloatResult(model, [2, 0, 0, -1, 3, 1]), "logits");

        var signals = Predictions(model, "y");
        Assert.Equal([new ClassCount("a", 1), new ClassCount("b", 1)], signals.Classes);
        var first = Math.Exp(2) / (Math.Exp(2) + 2);
        var second = Math.Exp(3) / (Math.Exp(-1) + Math.Exp(3) + Math.Exp(1));
        Assert.Equal((first + second) / 2, signals.MeanConfidence!.Value, 6);
    }

    [Fact]
    public void Record_ScoresWithAnotherClassCountThanTheLabels_AreNotTracked()
    {
        var model = _harness.Own(LabelledScores("a", "b", "c"));

        _harness.Record(Result(model, OrtValue.CreateTensor<float>(new float[4], [1, 4])), "odd");

        Assert.Equal(0, Predictions(model, "y").Rows);
    }

    [Fact]
    public void Record_TimeWindow_CountsOnlyTheLastHour()
    {
        var iris = _harness.Own(Iris());
        _harness.Record(IrisResult(iris, 0), "a");
        _harness.Time.Advance(TimeSpan.FromMinutes(90));
        _harness.Record(IrisResult(iris, 1), "b");

        var hour = _harness.Report(iris, "label").Predictions!.Single(w => w.Window.Name == "last_1h");

        Assert.Equal([new ClassCount("versicolor", 1)], hour.Classes);
    }

    [Fact]
    public void Report_NumericOutput_HasNoPredictionSignals()
    {
        var model = _harness.Own(IdentityFloat());
        _harness.Record(FloatResult(model, [1, 2, 3]), "q");

        Assert.Null(_harness.Report(model, "y").Predictions);
    }
}
