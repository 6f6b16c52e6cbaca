using InferenceService.Engine.Scheduling;
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;

namespace InferenceService.Engine.Accuracy;

/// <summary>
/// Accuracy against ground truth that arrives later, and label-free signals while none does. Every answered
/// inference is recorded (<see cref="Record"/>): its predicted classes and confidences count at once, and what scoring
/// needs is kept in the <see cref="Predictions"/> store under its prediction id. Feedback (<see cref="Feedback"/>)
/// joins true values to a kept prediction, once; a request that carries its targets inline is scored at once and kept
/// as already scored, so later feedback for it is a conflict rather than a second count. Thread-safe.
/// </summary>
public sealed class AccuracyTracker
{
    private readonly ConcurrentDictionary<(string Model, long Version), ModelAccuracy> _models = new();
    private readonly AccuracyOptions _options;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<RollingWindow> _windows;
    private readonly AccuracyMetrics _metrics;

    public AccuracyTracker(AccuracyOptions options, TimeProvider time, IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(meterFactory);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }
        _options = options;
        _time = time;
        _windows = RollingWindow.From(options);
        Predictions = new PredictionStore(options.MaxStoredPredictions, options.PredictionTtl, time);
        _metrics = new AccuracyMetrics(meterFactory, () => _models.Values.SelectMany(m => m.Outputs), time);
    }

    /// <summary>The predictions waiting for feedback.</summary>
    public PredictionStore Predictions { get; }

    /// <summary>The rolling windows every output is reported over.</summary>
    public IReadOnlyList<RollingWindow> Windows => _windows;

    /// <summary>
    /// Records an answered inference before its output tensors are disposed: counts its label-free signals, keeps what
    /// feedback will need and, when <paramref name="targets"/> is given, scores it at once.
    /// </summary>
    /// <param name="result">The inference's outputs.</param>
    /// <param name="id">The prediction id the answer carries.</param>
    /// <param name="targets">Inline targets (an object by output name), or an undefined or null element for none.</param>
    /// <param name="targetsName">Where the targets sit in the request, for messages.</param>
    /// <exception cref="InferenceException">The inline targets do not fit the outputs (400); nothing is recorded then.</exception>
    public void Record(InferenceResult result, string id, JsonElement targets, string targetsName)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(id);
        var model = For(result.LoadedModelOf());
        var hasTargets = targets.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);
        if (model.Outputs.Count == 0 && !hasTargets)
        {
            return;
        }
        var now = _time.GetUtcNow();
        var outputs = new List<OutputPrediction>(result.Outputs.Count);
        var predictedRows = new List<(OutputTracker Output, PredictedRow[] Rows, int Count)>();
        try
        {
            for (var i = 0; i < result.Outputs.Count; i++)
            {
                if (model.Find(result.Outputs[i].Name) is { } output && Read(output, result.Values[i], targets, predictedRows) is { } prediction)
                {
                    outputs.Add(prediction);
                }
            }
            var recorded = new Prediction(new PredictionKey(model.Model, model.Version, id), now, outputs);
            var scored = hasTargets ? TargetReader.Read(recorded, targets, targetsName, _options.MaxClasses) : null;

            foreach (var (output, rows, count) in predictedRows)
            {
                output.Signals!.Add(rows.AsSpan(0, count), now);
                _metrics.RecordPredicted(output, rows.AsSpan(0, count));
            }
            if (scored is not null)
            {
                recorded.IsScored = true;
                Score(scored, now);
            }
            // Kept even when every output was too large to copy: feedback then learns why it cannot be scored.
            if (outputs.Count > 0)
            {
                Predictions.Add(recorded);
            }
        }
        finally
        {
            foreach (var (_, rows, _) in predictedRows)
            {
                ArrayPool<PredictedRow>.Shared.Return(rows);
            }
        }
    }

    /// <summary>
    /// Scores true values against the prediction kept under <paramref name="id"/>, looked for in each of
    /// <paramref name="versions"/> of <paramref name="model"/>.
    /// </summary>
    /// <exception cref="InferenceException">
    /// No such prediction kept (404); it was already scored, or several versions hold the id (409); the targets do not
    /// fit it (400).
    /// </exception>
    public FeedbackResult Feedback(string model, IReadOnlyList<long> versions, string id, JsonElement targets)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length > PredictionStore.MaxIdLength)
        {
            throw InferenceException.InvalidInput(
                $"The id is {id.Length} characters long; predictions are kept for feedback only under ids of at most {PredictionStore.MaxIdLength}.");
        }
        var candidates = versions.Select(v => Predictions.Find(new PredictionKey(model, v, id))).OfType<Prediction>().ToArray();
        if (candidates.Length > 1)
        {
            var made = candidates.Select(c => c.Key.Version).Order().ToArray();
            throw new InferenceException(InferenceErrorKind.Conflict,
                $"Prediction '{TargetReader.Echo(id)}' was made by versions {string.Join(", ", made[..^1])} and {made[^1]} of model '{model}': send the feedback for the version that made it.");
        }
        var found = candidates.FirstOrDefault();
        if (found is null)
        {
            var which = versions.Count == 1 ? $"Model '{model}' version {versions[0]}" : $"Model '{model}'";
            throw new InferenceException(InferenceErrorKind.PredictionNotFound,
                $"{which} has no prediction '{TargetReader.Echo(id)}' waiting for feedback: the id is unknown, or its prediction expired or was pushed out by newer ones.");
        }
        if (found.IsScored)
        {
            throw AlreadyScored(found);
        }
        var scored = TargetReader.Read(found, targets, "targets", _options.MaxClasses);
        if (!Predictions.TryMarkScored(found))
        {
            throw AlreadyScored(found);
        }
        Score(scored, _time.GetUtcNow());
        return new FeedbackResult(found.Key, scored.Select(AccuracyReports.Result).ToArray());
    }

    /// <summary>The scores and signals of one model version, over every window, as of now.</summary>
    public ModelAccuracyReport Report(LoadedModel model)
    {
        var accuracy = For(model);
        var now = _time.GetUtcNow();
        return new ModelAccuracyReport(accuracy.Model, accuracy.Version,
            accuracy.Outputs.Select(o => AccuracyReports.For(o, now, _options.MaxConfusionMatrixClasses)).ToArray());
    }

    private ModelAccuracy For(LoadedModel model) =>
        _models.GetOrAdd((model.Name, model.Version), static (_, state) => new ModelAccuracy(state.model, state.windows), (model, windows: _windows));

    /// <summary>
    /// Reads one output: the classes (and confidences) of a classification output, copied only when kept; the numbers
    /// of a numeric output, copied only when kept. An output is kept when the store keeps anything and it is small
    /// enough, or when inline targets name it.
    /// </summary>
    private OutputPrediction? Read(OutputTracker output, OutputTensor value, JsonElement targets, List<(OutputTracker, PredictedRow[], int)> predictedRows)
    {
        var rows = OutputReader.RowsOf(value);
        var named = targets.ValueKind == JsonValueKind.Object && targets.TryGetProperty(output.Name, out _);
        if (output.Kind.IsClassification())
        {
            var predicted = ArrayPool<PredictedRow>.Shared.Rent(rows);
            if (!OutputReader.TryReadClasses(value, output, predicted.AsSpan(0, rows)))
            {
                ArrayPool<PredictedRow>.Shared.Return(predicted);
                return null;
            }
            predictedRows.Add((output, predicted, rows));
            long[]? classes = null;
            if (named || (Predictions.Capacity > 0 && rows <= _options.MaxStoredValuesPerOutput))
            {
                classes = new long[rows];
                for (var r = 0; r < rows; r++)
                {
                    classes[r] = predicted[r].Class;
                }
            }
            return new OutputPrediction(output, rows, rows, classes, null);
        }
        double[]? values = null;
        if (named || (Predictions.Capacity > 0 && value.ElementCount <= _options.MaxStoredValuesPerOutput))
        {
            values = new double[value.ElementCount];
            OutputReader.ReadNumbers(value, values);
        }
        return new OutputPrediction(output, rows, value.ElementCount, null, values);
    }

    private void Score(IReadOnlyList<ScoredOutput> scored, DateTimeOffset now)
    {
        foreach (var output in scored)
        {
            if (output.Classes is { } classes)
            {
                output.Output.Scores!.Add(classes, now);
                _metrics.RecordScored(output.Output, classes.Length);
            }
            else
            {
                output.Output.Errors!.Add(output.Numbers, now);
                _metrics.RecordScored(output.Output, output.Numbers!.Length);
            }
        }
    }

    private static InferenceException AlreadyScored(Prediction prediction) => new(InferenceErrorKind.Conflict,
        $"Prediction '{TargetReader.Echo(prediction.Key.Id)}' of model '{prediction.Key.Model}' version {prediction.Key.Version} has already been scored: a prediction takes its ground truth once.");
}
