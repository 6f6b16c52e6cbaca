namespace InferenceService.Engine.Accuracy;

/// <summary>
/// The accuracy state in this process: predictions in a <see cref="PredictionStore"/>, rows in each output's rolling
/// summaries. Nothing to reach, nothing to wait for; one replica's own traffic only.
/// </summary>
public sealed class MemoryAccuracyStore(AccuracyOptions options, TimeProvider time) : IAccuracyStore
{
    private readonly PredictionStore _predictions = new(options.MaxStoredPredictions, options.PredictionTtl, time);

    public bool KeepsPredictions => _predictions.Capacity > 0;

    /// <summary>The predictions waiting for feedback.</summary>
    public PredictionStore Predictions => _predictions;

    public void Track(OutputTracker output)
    {
    }

    public void Record(IReadOnlyList<PredictedRows> signals, IReadOnlyList<ScoredOutput>? scored, Prediction? keep, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(signals);
        foreach (var (output, rows, count) in signals)
        {
            output.Signals!.Add(rows.AsSpan(0, count), now);
        }
        if (scored is not null)
        {
            AddScored(scored, now);
        }
        if (keep is not null)
        {
            _predictions.Add(keep);
        }
    }

    private static void AddScored(IReadOnlyList<ScoredOutput> scored, DateTimeOffset now)
    {
        foreach (var output in scored)
        {
            if (output.Classes is { } classes)
            {
                output.Output.Scores!.Add(classes, now);
            }
            else
            {
                output.Output.Errors!.Add(output.Numbers, now);
            }
        }
    }

    public ValueTask<Prediction?> FindAsync(PredictionKey key, ModelAccuracy model, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_predictions.Find(key));

    public ValueTask<ScoreClaim> ScoreAsync(Prediction prediction, IReadOnlyList<ScoredOutput> scored, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var claim = _predictions.Claim(prediction);
        if (claim == ScoreClaim.Scored)
        {
            AddScored(scored, now);
        }
        return ValueTask.FromResult(claim);
    }

    public ValueTask<OutputSummaries> SummarizeAsync(OutputTracker output, DateTimeOffset now, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Latest(output, now));

    public OutputSummaries Latest(OutputTracker output, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(output);
        return new OutputSummaries(output.Scores?.Summarize(now), output.Errors?.Summarize(now), output.Signals?.Summarize(now));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
