using InferenceService.Engine.Scheduling;
using System.Text.Json;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Tests.TestSupport;

/// <summary>A tracker on a manual clock and a private meter, with the models it served, all disposed together.</summary>
internal sealed class AccuracyHarness : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public AccuracyHarness(AccuracyOptions? options = null)
    {
        Options = options ?? new AccuracyOptions();
        Tracker = new AccuracyTracker(Options, Time, Meters);
    }

    public ManualTimeProvider Time { get; } = new();

    public TestMeterFactory Meters { get; } = new();

    public AccuracyOptions Options { get; }

    public AccuracyTracker Tracker { get; }

    public T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>Records a result as the responder does, then disposes its tensors as the responder does.</summary>
    public void Record(InferenceResult result, string id, string? targets = null)
    {
        using (result)
        {
            Tracker.Record(result, id, targets is null ? default : Json(targets), "targets");
        }
    }

    /// <summary>Feedback through the memory store, which completes at once: its errors are thrown here.</summary>
    public FeedbackResult Feedback(LoadedModel model, string id, string targets) =>
        Tracker.FeedbackAsync(model.Name, [model.Version], id, Json(targets)).AsTask().GetAwaiter().GetResult();

    /// <summary>Feedback looked for in several versions of a model.</summary>
    public FeedbackResult Feedback(string model, long[] versions, string id, string targets) =>
        Tracker.FeedbackAsync(model, versions, id, Json(targets)).AsTask().GetAwaiter().GetResult();

    /// <summary>The whole report of a model version, through the memory store.</summary>
    public ModelAccuracyReport Report(LoadedModel model) => Tracker.ReportAsync(model).AsTask().GetAwaiter().GetResult();

    public InferenceException FeedbackError(LoadedModel model, string id, string targets, InferenceErrorKind kind)
    {
        var error = Assert.Throws<InferenceException>(() => Feedback(model, id, targets));
        Assert.Equal(kind, error.Kind);
        return error;
    }

    public OutputAccuracyReport Report(LoadedModel model, string output) =>
        Report(model).Outputs.Single(o => o.Output == output);

    public static ScoredWindowReport Window(OutputAccuracyReport report, string name) => report.Windows.Single(w => w.Window.Name == name);

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public void Dispose()
    {
        _owned.ForEach(d => d.Dispose());
        Meters.Dispose();
    }
}
