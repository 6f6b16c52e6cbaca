using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace InferenceService.Engine.Accuracy;

/// <summary>
/// The accuracy instruments, on the service's one meter (<see cref="MeterName"/>) so whatever exports that meter
/// exports these too. Scores per window are observable gauges, computed when a reader collects; counts and the
/// confidence histogram are recorded as rows arrive. Every instrument carries model, version and output tags.
/// </summary>
internal sealed class AccuracyMetrics
{
    public const string MeterName = "InferenceService";

    private readonly Counter<long> _scoredRows;
    private readonly Counter<long> _scoredCorrect;
    private readonly Counter<long> _scoredValues;
    private readonly Counter<double> _absoluteError;
    private readonly Counter<double> _squaredError;
    private readonly Counter<long> _predictedClass;
    private readonly Histogram<double> _confidence;

    public AccuracyMetrics(IMeterFactory meterFactory, Func<IEnumerable<(OutputTracker Output, OutputSummaries Summaries)>> outputs)
    {
        var meter = meterFactory.Create(MeterName);
        _scoredRows = meter.CreateCounter<long>("inference.scored.rows", "{row}",
            "Rows scored against ground truth, from feedback or inline targets.");
        // Counters sum across replicas in PromQL, so accuracy and errors over any range are ratios of these sums.
        _scoredCorrect = meter.CreateCounter<long>("inference.scored.correct", "{row}",
            "Rows of a classification output scored right (its share of inference.scored.rows is the accuracy).");
        _scoredValues = meter.CreateCounter<long>("inference.scored.values", "{value}",
            "Values of a numeric output compared with ground truth.");
        _absoluteError = meter.CreateCounter<double>("inference.scored.absolute_error", null,
            "Sum of the absolute errors of numeric values compared (divided by inference.scored.values: the MAE).");
        _squaredError = meter.CreateCounter<double>("inference.scored.squared_error", null,
            "Sum of the squared errors of numeric values compared (divided by inference.scored.values, its root: the RMSE).");
        _predictedClass = meter.CreateCounter<long>("inference.predicted.class", "{row}",
            "Rows predicted per class of a classification output (label-free).");
        _confidence = meter.CreateHistogram("inference.confidence", "1",
            "Top-1 confidence of each row of a class-score output: its highest probability, or softmax score (label-free).",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = ConfidenceBuckets.UpperBounds.SkipLast(1).ToArray() });

        // No unit: "1" would be exported to Prometheus as inference_accuracy_ratio, and dashboards and alerts know it
        // as inference_accuracy.
        meter.CreateObservableGauge("inference.accuracy",
            () => Observe(outputs(), s => s.Scores, s => s.Accuracy), null,
            "Share of scored rows predicted right, per rolling window.");
        meter.CreateObservableGauge("inference.mae",
            () => Observe(outputs(), s => s.Errors, s => s.MeanAbsoluteError), null,
            "Mean absolute error of a numeric output, per rolling window.");
        meter.CreateObservableGauge("inference.rmse",
            () => Observe(outputs(), s => s.Errors, s => s.RootMeanSquaredError), null,
            "Root mean squared error of a numeric output, per rolling window.");
    }

    public void RecordScored(ScoredOutput scored)
    {
        var output = scored.Output;
        if (scored.Classes is { } classes)
        {
            _scoredRows.Add(classes.Length, output.Tags);
            var correct = 0;
            foreach (var row in classes)
            {
                correct += row.Actual == row.Predicted ? 1 : 0;
            }
            _scoredCorrect.Add(correct, output.Tags);
            return;
        }
        var numbers = scored.Numbers!;
        _scoredRows.Add(numbers.Length, output.Tags);
        long values = 0;
        double absolute = 0, squared = 0;
        foreach (var row in numbers)
        {
            values += row.Values;
            absolute += row.AbsoluteError;
            squared += row.SquaredError;
        }
        _scoredValues.Add(values, output.Tags);
        _absoluteError.Add(absolute, output.Tags);
        _squaredError.Add(squared, output.Tags);
    }

    public void RecordPredicted(OutputTracker output, ReadOnlySpan<PredictedRow> rows)
    {
        foreach (ref readonly var row in rows)
        {
            var tags = new TagList(output.Tags) { { "class", output.ClassName(row.Class) } };
            _predictedClass.Add(1, tags);
            if (!double.IsNaN(row.Confidence))
            {
                _confidence.Record(row.Confidence, output.Tags);
            }
        }
    }

    /// <summary>One measurement per output and window whose window holds scored rows.</summary>
    private static IEnumerable<Measurement<double>> Observe<TSummary>(
        IEnumerable<(OutputTracker Output, OutputSummaries Summaries)> outputs,
        Func<OutputSummaries, TSummary[]?> select,
        Func<TSummary, double?> score)
    {
        foreach (var (output, summaries) in outputs)
        {
            if (select(summaries) is not { } windows)
            {
                continue;
            }
            for (var i = 0; i < windows.Length && i < output.Windows.Count; i++)
            {
                if (score(windows[i]) is { } value)
                {
                    var tags = new TagList(output.Tags) { { "window", output.Windows[i].Name } };
                    yield return new Measurement<double>(value, tags);
                }
            }
        }
    }
}
