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
/// needs is kept in the <see cref="Store"/> under its prediction id. Feedback (<see cref="FeedbackAsync"/>)
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
        : this(options, time, meterFactory, new MemoryAccuracyStore(options ?? throw new ArgumentNullException(nameof(options)), time))
    {
    }

    /// <param name="options">The settings.</param>
    /// <param name="time">The clock of every window and expiry.</param>
    /// <param name="meterFactory">Makes the service meter the accuracy instruments live on.</param>
    /// <param name="store">Where predictions wait and rows are summarized: memory, or a store every replica shares.</param>
    public AccuracyTracker(AccuracyOptions options, TimeProvider time, IMeterFactory meterFactory, IAccuracyStore store)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(store);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }
        _options = options;
        _time = time;
        _windows = RollingWindow.From(options);
        Store = store;
        _metrics = new AccuracyMetrics(meterFactory, Latest);
    }

    /// <summary>Where predictions wait for feedback and rows are summarized.</summary>
    public IAccuracyStore Store { get; }

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
        var predictedRows = new List<PredictedRows>();
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
                _metrics.RecordPredicted(output, rows.AsSpan(0, count));
            }
            if (scored is not null)
            {
                recorded.IsScored = true;
                RecordScored(scored);
            }
            // Kept even when every output was too large to copy: feedback then learns why it cannot be scored.
            Store.Record(predictedRows, scored, outputs.Count > 0 && Store.KeepsPredictions ? recorded : null, now);
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
    /// <param name="model">The model's name.</param>
    /// <param name="versions">The versions that may have made the prediction.</param>
    /// <param name="id">The prediction id.</param>
    /// <param name="targets">The true values, by output name.</param>
    /// <param name="resolve">
    /// The loaded model of a version this replica has not served yet (a shared store holds predictions other replicas
    /// made); null when it is not loaded here.
    /// </param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <exception cref="InferenceException">
    /// No such prediction kept (404); it was already scored, or several versions hold the id (409); the targets do not
    /// fit it (400); the shared store cannot be reached (503).
    /// </exception>
    public async ValueTask<FeedbackResult> FeedbackAsync(
        string model, IReadOnlyList<long> versions, string id, JsonElement targets, Func<long, LoadedModel?>? resolve = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length > PredictionStore.MaxIdLength)
        {
            throw InferenceException.InvalidInput(
                $"The id is {id.Length} characters long; predictions are kept for feedback only under ids of at most {PredictionStore.MaxIdLength}.");
        }
        var candidates = new List<Prediction>(1);
        foreach (var version in versions)
        {
            if (Known(model, version, resolve) is { } accuracy
                && await Store.FindAsync(new PredictionKey(model, version, id), accuracy, cancellationToken).ConfigureAwait(false) is { } prediction)
            {
                candidates.Add(prediction);
            }
        }
        if (candidates.Count > 1)
        {
            var made = candidates.Select(c => c.Key.Version).Order().ToArray();
            throw new InferenceException(InferenceErrorKind.Conflict,
                $"Prediction '{TargetReader.Echo(id)}' was made by versions {string.Join(", ", made[..^1])} and {made[^1]} of model '{model}': send the feedback for the version that made it.");
        }
        var found = candidates.FirstOrDefault() ?? throw NotFound(model, versions, id);
        if (found.IsScored)
        {
            throw AlreadyScored(found);
        }
        var scored = TargetReader.Read(found, targets, "targets", _options.MaxClasses);
        switch (await Store.ScoreAsync(found, scored, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            case ScoreClaim.AlreadyScored:
                throw AlreadyScored(found);
            case ScoreClaim.Gone:
                throw NotFound(model, versions, id);
        }
        RecordScored(scored);
        return new FeedbackResult(found.Key, scored.Select(AccuracyReports.Result).ToArray());
    }

    /// <summary>The scores and signals of one model version, over every window, as of now.</summary>
    /// <exception cref="InferenceException">The shared store cannot be reached (503).</exception>
    public async ValueTask<ModelAccuracyReport> ReportAsync(LoadedModel model, CancellationToken cancellationToken = default)
    {
        var accuracy = For(model);
        var now = _time.GetUtcNow();
        var outputs = new OutputAccuracyReport[accuracy.Outputs.Count];
        for (var i = 0; i < outputs.Length; i++)
        {
            var summaries = await Store.SummarizeAsync(accuracy.Outputs[i], now, cancellationToken).ConfigureAwait(false);
            outputs[i] = AccuracyReports.For(accuracy.Outputs[i], summaries, _options.MaxConfusionMatrixClasses);
        }
        return new ModelAccuracyReport(accuracy.Model, accuracy.Version, outputs);
    }

    /// <summary>The accuracy of a version served here, or of one loaded here that another replica served; null when neither.</summary>
    private ModelAccuracy? Known(string model, long version, Func<long, LoadedModel?>? resolve) =>
        _models.TryGetValue((model, version), out var known) ? known
        : resolve?.Invoke(version) is { } loaded ? For(loaded)
        : null;

    private IEnumerable<(OutputTracker Output, OutputSummaries Summaries)> Latest()
    {
        var now = _time.GetUtcNow();
        foreach (var model in _models.Values)
        {
            foreach (var output in model.Outputs)
            {
                if (Store.Latest(output, now) is { } summaries)
                {
                    yield return (output, summaries);
                }
            }
        }
    }

    private ModelAccuracy For(LoadedModel model)
    {
        if (_models.TryGetValue((model.Name, model.Version), out var known))
        {
            return known;
        }
        var added = _models.GetOrAdd((model.Name, model.Version), new ModelAccuracy(model, _windows));
        foreach (var output in added.Outputs)
        {
            Store.Track(output);
        }
        return added;
    }

    /// <summary>
    /// Reads one output: the classes (and confidences) of a classification output, copied only when kept; the numbers
    /// of a numeric output, copied only when kept. An output is kept when the store keeps anything and it is small
    /// enough, or when inline targets name it.
    /// </summary>
    private OutputPrediction? Read(OutputTracker output, OutputTensor value, JsonElement targets, List<PredictedRows> predictedRows)
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
            predictedRows.Add(new PredictedRows(output, predicted, rows));
            long[]? classes = null;
            if (named || (Store.KeepsPredictions && rows <= _options.MaxStoredValuesPerOutput))
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
        if (named || (Store.KeepsPredictions && value.ElementCount <= _options.MaxStoredValuesPerOutput))
        {
            values = new double[value.ElementCount];
            OutputReader.ReadNumbers(value, values);
        }
        return new OutputPrediction(output, rows, value.ElementCount, null, values);
    }

    private void RecordScored(IReadOnlyList<ScoredOutput> scored)
    {
        foreach (var output in scored)
        {
            _metrics.RecordScored(output);
        }
    }

    private static InferenceException NotFound(string model, IReadOnlyList<long> versions, string id)
    {
        var which = versions.Count == 1 ? $"Model '{model}' version {versions[0]}" : $"Model '{model}'";
        return new InferenceException(InferenceErrorKind.PredictionNotFound,
            $"{which} has no prediction '{TargetReader.Echo(id)}' waiting for feedback: the id is unknown, or its prediction expired or was pushed out by newer ones.");
    }

    private static InferenceException AlreadyScored(Prediction prediction) => new(InferenceErrorKind.Conflict,
        $"Prediction '{TargetReader.Echo(prediction.Key.Id)}' of model '{prediction.Key.Model}' version {prediction.Key.Version} has already been scored: a prediction takes its ground truth once.");
}
