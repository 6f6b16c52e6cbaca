namespace InferenceService.Engine.Accuracy;

/// <summary>Turns an output's rolling summaries into its report.</summary>
internal static class AccuracyReports
{
    public static OutputAccuracyReport For(OutputTracker output, OutputSummaries summaries, int maxMatrixClasses)
    {
        var windows = output.Windows;
        if (summaries.Errors is { } errors)
        {
            var numeric = errors
                .Select((s, i) => new ScoredWindowReport(windows[i], s.Rows, null, null, s.Values, s.MeanAbsoluteError, s.RootMeanSquaredError))
                .ToArray();
            return new OutputAccuracyReport(output.Name, output.Kind, numeric, null);
        }
        var scored = summaries.Scores!
            .Select((s, i) => new ScoredWindowReport(windows[i], s.Rows, s.Accuracy, Confusion(output, s, maxMatrixClasses), null, null, null))
            .ToArray();
        var predictions = summaries.Signals!.Select((s, i) => new PredictionWindowReport(
                windows[i],
                s.Rows,
                s.Classes.OrderBy(c => c.Key).Select(c => new ClassCount(output.ClassName(c.Key), c.Value)).ToArray(),
                output.Kind == ScoredOutputKind.ClassScores ? s.ConfidenceCounts.ToArray() : null,
                s.MeanConfidence))
            .ToArray();
        return new OutputAccuracyReport(output.Name, output.Kind, scored, predictions);
    }

    public static ScoredOutputResult Result(ScoredOutput scored)
    {
        if (scored.Classes is { } classes)
        {
            return new ScoredOutputResult(scored.Output.Name, classes.Length, classes.LongCount(r => r.Actual == r.Predicted), null, null);
        }
        var summary = new NumericSummary();
        foreach (var row in scored.Numbers!)
        {
            summary.Add(row);
        }
        return new ScoredOutputResult(scored.Output.Name, summary.Rows, null, summary.MeanAbsoluteError, summary.RootMeanSquaredError);
    }

    /// <summary>
    /// Over every label when the output has a label file small enough (so the matrix keeps one shape as rows arrive),
    /// else over the classes that took part; null when no row was scored or more classes than the limit took part.
    /// </summary>
    private static ConfusionMatrix? Confusion(OutputTracker output, ClassificationSummary summary, int maxClasses)
    {
        if (summary.Rows == 0)
        {
            return null;
        }
        var seen = summary.Pairs.Keys.SelectMany(p => new[] { p.Actual, p.Predicted });
        var classes = (output.Labels is { } labels && labels.Count <= maxClasses
                ? Enumerable.Range(0, labels.Count).Select(c => (long)c).Concat(seen)
                : seen)
            .Distinct().Order().ToArray();
        if (classes.Length > maxClasses)
        {
            return null;
        }
        var position = new Dictionary<long, int>(classes.Length);
        for (var i = 0; i < classes.Length; i++)
        {
            position[classes[i]] = i;
        }
        var counts = new long[classes.Length][];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = new long[classes.Length];
        }
        foreach (var (pair, count) in summary.Pairs)
        {
            counts[position[pair.Actual]][position[pair.Predicted]] += count;
        }
        return new ConfusionMatrix(classes.Select(output.ClassName).ToArray(), counts);
    }
}
