namespace InferenceService.Engine.Accuracy;

/// <summary>
/// Where predictions wait for their ground truth and where scored rows and prediction signals are summarized per
/// rolling window: this process's memory (<see cref="MemoryAccuracyStore"/>) or a store every replica shares. The
/// method a request's answer calls (<see cref="Record"/>) never waits:
/// a shared store writes behind, best effort. The others may wait on the store and throw
/// <see cref="InferenceException"/> of kind <see cref="InferenceErrorKind.Unavailable"/> when it cannot
/// be reached.
/// </summary>
public interface IAccuracyStore : IAsyncDisposable
{
    /// <summary>Whether the store keeps predictions at all (a capacity above zero).</summary>
    bool KeepsPredictions { get; }

    /// <summary>Starts following an output (a model version was first seen): a shared store refreshes its gauges.</summary>
    void Track(OutputTracker output);

    /// <summary>
    /// Records one answered inference: the label-free signals of its predicted rows, the rows its inline targets
    /// scored (then <paramref name="keep"/> is marked scored), and the prediction to keep for feedback (replacing one
    /// kept under the same key; the oldest leave first), or null.
    /// </summary>
    void Record(IReadOnlyList<PredictedRows> signals, IReadOnlyList<ScoredOutput>? scored, Prediction? keep, DateTimeOffset now);

    /// <summary>The prediction kept under <paramref name="key"/>, its outputs bound to <paramref name="model"/>'s; null when none is.</summary>
    ValueTask<Prediction?> FindAsync(PredictionKey key, ModelAccuracy model, CancellationToken cancellationToken);

    /// <summary>
    /// Claims <paramref name="prediction"/> and adds its scored rows, as one step, so that a prediction is scored once
    /// wherever its feedback arrives.
    /// </summary>
    ValueTask<ScoreClaim> ScoreAsync(Prediction prediction, IReadOnlyList<ScoredOutput> scored, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The output's summaries over every window, as of <paramref name="now"/>.</summary>
    ValueTask<OutputSummaries> SummarizeAsync(OutputTracker output, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The latest summaries known without waiting, for the gauges; null when none are known yet.</summary>
    OutputSummaries? Latest(OutputTracker output, DateTimeOffset now);
}

/// <summary>The predicted rows of one output, in the first <see cref="Count"/> entries of a (pooled) array.</summary>
public readonly record struct PredictedRows(OutputTracker Output, PredictedRow[] Rows, int Count);

/// <summary>What a claim to score a prediction came to.</summary>
public enum ScoreClaim
{
    /// <summary>Claimed: its rows are counted.</summary>
    Scored,

    /// <summary>Someone scored it first: nothing counted.</summary>
    AlreadyScored,

    /// <summary>It expired or was pushed out between being found and being claimed: nothing counted.</summary>
    Gone,
}

/// <summary>
/// One output's summaries, one per window in the order of <see cref="OutputTracker.Windows"/>: scores and signals for
/// a classification output, errors for a numeric one.
/// </summary>
public sealed record OutputSummaries(ClassificationSummary[]? Scores, NumericSummary[]? Errors, PredictionSignalSummary[]? Signals)
{
    /// <summary>Empty summaries for every window of <paramref name="output"/>.</summary>
    public static OutputSummaries Empty(OutputTracker output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var windows = output.Windows.Count;
        return output.Kind.IsClassification()
            ? new OutputSummaries(New<ClassificationSummary>(windows), null, New<PredictionSignalSummary>(windows))
            : new OutputSummaries(null, New<NumericSummary>(windows), null);
    }

    private static T[] New<T>(int count) where T : new()
    {
        var summaries = new T[count];
        for (var i = 0; i < count; i++)
        {
            summaries[i] = new T();
        }
        return summaries;
    }
}
