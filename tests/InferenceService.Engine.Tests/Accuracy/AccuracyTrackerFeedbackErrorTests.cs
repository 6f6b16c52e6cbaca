using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;
using static InferenceService.Engine.Tests.TestSupport.AccuracyModels;

namespace InferenceService.Engine.Tests.Accuracy;

/// <summary>Feedback that cannot be scored: unknown or expired ids (404), repeats (409), targets that do not fit (400).</summary>
public sealed class AccuracyTrackerFeedbackErrorTests : IDisposable
{
    private readonly AccuracyHarness _harness = new(new AccuracyOptions { PredictionTtl = TimeSpan.FromMinutes(10), MaxStoredPredictions = 3 });
    private readonly LoadedModel _iris;
    private readonly LoadedModel _regressor;

    public AccuracyTrackerFeedbackErrorTests()
    {
        _iris = _harness.Own(Iris());
        _regressor = _harness.Own(IdentityFloat());
        _harness.Record(IrisResult(_iris, 0, 1), "p");
        _harness.Record(FloatResult(_regressor, [1, 2, 3]), "q");
    }

    public void Dispose() => _harness.Dispose();

    private string Invalid(LoadedModel model, string id, string targets) =>
        _harness.FeedbackError(model, id, targets, InferenceErrorKind.InvalidInput).Message;

    [Fact]
    public void Feedback_UnknownId_IsNotFound()
    {
        var error = _harness.FeedbackError(_iris, "nope", """{"label": [0, 1]}""", InferenceErrorKind.PredictionNotFound);

        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Model 'iris' version 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feedback_AfterTheTimeToLive_IsNotFound()
    {
        _harness.Time.Advance(TimeSpan.FromMinutes(10));

        _harness.FeedbackError(_iris, "p", """{"label": [0, 1]}""", InferenceErrorKind.PredictionNotFound);
    }

    [Fact]
    public void Feedback_PushedOutByNewerPredictions_IsNotFound()
    {
        _harness.Record(IrisResult(_iris, 0), "r");
        _harness.Record(IrisResult(_iris, 0), "s");

        _harness.FeedbackError(_iris, "p", """{"label": [0, 1]}""", InferenceErrorKind.PredictionNotFound);
        _harness.Feedback(_regressor, "q", """{"y": [[1, 2, 3]]}""");
    }

    [Fact]
    public void Feedback_SameIdTwice_IsAConflictAndCountsOnce()
    {
        _harness.Feedback(_iris, "p", """{"label": [0, 1]}""");

        var error = _harness.FeedbackError(_iris, "p", """{"label": [0, 1]}""", InferenceErrorKind.Conflict);

        Assert.Contains("already been scored", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, AccuracyHarness.Window(_harness.Report(_iris, "label"), "last_1000").Rows);
    }

    [Fact]
    public void Feedback_SecondTimeForAnotherOutput_IsStillAConflict()
    {
        _harness.Feedback(_iris, "p", """{"label": [0, 1]}""");

        _harness.FeedbackError(_iris, "p", """{"probabilities": [0, 1]}""", InferenceErrorKind.Conflict);
    }

    [Fact]
    public void Feedback_IdKeptByTwoVersions_IsAConflictWithoutTheVersion()
    {
        var v2 = _harness.Own(Iris(2));
        _harness.Record(IrisResult(v2, 0, 1), "p");

        var error = Assert.Throws<InferenceException>(() => _harness.Feedback("iris", [1, 2], "p", """{"label": [0, 1]}"""));

        Assert.Equal(InferenceErrorKind.Conflict, error.Kind);
        Assert.Contains("versions 1 and 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feedback_InvalidTargets_LeavesThePredictionOpenForCorrectFeedback()
    {
        Invalid(_iris, "p", """{"label": [0]}""");

        var result = _harness.Feedback(_iris, "p", """{"label": [0, 1]}""");

        Assert.Equal(2, Assert.Single(result.Outputs).Correct);
    }

    [Theory]
    [InlineData("""{"label": [0]}""", "targets 'label' has 1 value, but the prediction has 2 rows")]
    [InlineData("""{"label": [0, 1, 2]}""", "has 3 values, but the prediction has 2 rows")]
    [InlineData("""{"label": "setosa"}""", "targets 'label' must be an array with one true value per row (2 rows), not the string \"setosa\"")]
    [InlineData("""{"label": ["setosa", "rose"]}""", "targets 'label' row 1: \"rose\" is not a class of output 'label' (its classes: setosa, versicolor, virginica)")]
    [InlineData("""{"label": [0, 3]}""", "row 1: class index 3 is out of range: output 'label' has 3 classes (0 to 2)")]
    [InlineData("""{"label": [0, -1]}""", "class index -1 is out of range")]
    [InlineData("""{"label": [0, 1.5]}""", "row 1: 1.5 is not a class index (an integer)")]
    [InlineData("""{"label": [0, {"a": 1}]}""", "row 1: expected a class name or a class index, got an object")]
    [InlineData("""{"label": [0, null]}""", "got null")]
    [InlineData("""{"sepal": [0, 1]}""", "the prediction has no output 'sepal' to score (scorable outputs of this prediction: probabilities, label)")]
    [InlineData("""{}""", "\"targets\" names no output; give the true values of at least one of: probabilities, label")]
    [InlineData("""[0, 1]""", "\"targets\" must be an object")]
    [InlineData("""{"label": [0, 1], "label": [0, 1]}""", "output 'label' is given more than once")]
    public void Feedback_ClassTargetsThatDoNotFit_AreRefusedWithTheReason(string targets, string expected)
    {
        Assert.Contains(expected, Invalid(_iris, "p", targets), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"y": [[1, 2]]}""", "targets 'y' row 0 holds 2 numbers, but the output has 3 per row")]
    [InlineData("""{"y": [1, 2, 3]}""", "targets 'y' has 3 values, but the prediction has 1 row")]
    [InlineData("""{"y": [[1, 2, "3"]]}""", "targets 'y' row 0: expected a number, got the string \"3\"")]
    [InlineData("""{"y": [[1, 2, 1e400]]}""", "1e400 is out of range for a number")]
    [InlineData("""{"y": ["setosa"]}""", "expected a number")]
    public void Feedback_NumericTargetsThatDoNotFit_AreRefusedWithTheReason(string targets, string expected)
    {
        Assert.Contains(expected, Invalid(_regressor, "q", targets), StringComparison.Ordinal);
    }

    [Fact]
    public void Feedback_NumericTargetsNestedLikeTheOutputOrFlatPerRow_AreBothRead()
    {
        var result = _harness.Feedback(_regressor, "q", """{"y": [[[1], [2, 3]]]}""");

        Assert.Equal(0, Assert.Single(result.Outputs).MeanAbsoluteError);
    }

    [Fact]
    public void Feedback_OutputTooLargeToKeep_SaysToSendTargetsInline()
    {
        using var harness = new AccuracyHarness(new AccuracyOptions { MaxStoredValuesPerOutput = 2 });
        var model = harness.Own(IdentityFloat());
        harness.Record(FloatResult(model, [1, 2, 3]), "big");

        var error = harness.FeedbackError(model, "big", """{"y": [[1, 2, 3]]}""", InferenceErrorKind.InvalidInput);

        Assert.Contains("output 'y' held 3 values, too many to keep for feedback", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feedback_LongClientText_IsCutShortInTheMessage()
    {
        var longName = new string('x', 500);

        var message = Invalid(_iris, "p", $$"""{"label": ["setosa", "{{longName}}"]}""");

        Assert.DoesNotContain(longName, message, StringComparison.Ordinal);
        Assert.Contains(new string('x', 40) + "...", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_InvalidInlineTargets_ThrowsAndRecordsNothing()
    {
        var error = Assert.Throws<InferenceException>(() => _harness.Record(IrisResult(_iris, 2), "eval", """{"label": ["rose"]}"""));

        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        _harness.FeedbackError(_iris, "eval", """{"label": [2]}""", InferenceErrorKind.PredictionNotFound);
        var predictions = _harness.Report(_iris, "label").Predictions!.Single(w => w.Window.Name == "last_1000");
        Assert.Equal(2, predictions.Rows);
    }

    [Fact]
    public void Feedback_IdLongerThanAnyKept_IsABadRequestThatSaysSo()
    {
        var id = new string('i', PredictionStore.MaxIdLength + 1);
        _harness.Record(IrisResult(_iris, 0), id);

        var message = Invalid(_iris, id, """{"label": [0]}""");

        Assert.Contains("ids of at most 256", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_EmptyBatch_IsKeptAndTakesEmptyTargets()
    {
        _harness.Record(IrisResult(_iris), "empty");

        var result = _harness.Feedback(_iris, "empty", """{"label": []}""");

        Assert.Equal(0, Assert.Single(result.Outputs).Rows);
    }
}
