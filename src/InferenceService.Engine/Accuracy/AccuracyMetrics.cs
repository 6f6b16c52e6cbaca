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
    private readonly Counter<long> _predictedClass;
    private readonly Histogram<double> _confidence;

    public AccuracyMetrics(IMeterFactory meterFactory, Func<IEnumerable<OutputTracker>> outputs, TimeProvider time)
    {
        var meter = meterFactory.Create(MeterName);
        _scoredRows = meter.CreateCounter<long>("inference.scored.rows", "{row}",
            "Rows scored against ground truth, from feedback or inline targets.");
        _predictedClass = meter.CreateCounter<long>("inference.predicted.class", "{row}",
            "Rows predicted per class of a classification output (label-free).");
        _confidence = meter.CreateHistogram("inference.confidence", "1",
            "Top-1 confidence of each row of a class-score output: its highest probability, or softmax score (label-free).",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = ConfidenceBuckets.UpperBounds.SkipLast(1).ToArray() });

        // No unit: "1" would be exported to Prometheus as inference_accuracy_ratio, and dashboards and alerts know it
        // as inference_accuracy.
        meter.CreateObservableGauge("inference.accuracy",
            () => Observe(outputs(), o => o.Scores, s => s.Accuracy, time.GetUtcNow()), null,
            "Share of scored rows predicted right, per rolling window.");
        meter.CreateObservableGauge("inference.mae",
            () => Observe(outputs(), o => o.Errors, s => s.MeanAbsoluteError, time.GetUtcNow()), null,
            "Mean absolute error of a numeric output, per rolling window.");
        meter.CreateObservableGauge("inference.rmse",
            () => Observe(outputs(), o => o.Errors, s => s.RootMeanSquaredError, time.GetUtcNow()), null,
            "Root mean squared error of a numeric output, per rolling window.");
    }

    public void RecordScored(OutputTracker output, int rows) => _scoredRows.Add(rows, output.Tags);

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
    private static IEnumerable<Measurement<double>> Observe<TSummary, TRow>(
        IEnumerable<OutputTracker> outputs,
        Func<OutputTracker, RollingSummaries<TSummary, TRow>?> select,
        Func<TSummary, double?> score,
        DateTimeOffset now)
        where TSummary : IRowSummary<TSummary, TRow>, new()
    {
        foreach (var output in outputs)
        {
            if (select(output) is not { } rolling)
            {
                continue;
            }
            var windows = rolling.Summarize(now);
            for (var i = 0; i < windows.Length; i++)
            {
                if (score(windows[i]) is { } value)
                {
                    var tags = new TagList(output.Tags) { { "window", rolling.Windows[i].Name } };
                    yield return new Measurement<double>(value, tags);
                }
            }
        }
    }
}
