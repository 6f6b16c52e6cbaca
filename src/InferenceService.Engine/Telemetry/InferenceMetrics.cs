using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Telemetry;

/// <summary>
/// What each inference request and each Run cost, per model and version, on the service's Meter. The host records a
/// request once its answer is known (outcome, duration, stage times); the scheduler reports each Run through
/// <see cref="IBatchObserver"/>. Durations are in seconds, as OpenTelemetry recommends.
/// </summary>
public sealed class InferenceMetrics : IBatchObserver
{
    public const string Requests = "inference.requests";
    public const string RequestDuration = "inference.request.duration";
    public const string QueueDuration = "inference.queue.duration";
    public const string ComputeDuration = "inference.compute.duration";
    public const string PreprocessDuration = "inference.preprocess.duration";
    public const string PostprocessDuration = "inference.postprocess.duration";
    public const string BatchSize = "inference.batch.size";
    public const string BatchRequests = "inference.batch.requests";
    public const string Rows = "inference.rows";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<double> _computeDuration;
    private readonly Histogram<double> _preprocessDuration;
    private readonly Histogram<double> _postprocessDuration;
    private readonly Histogram<long> _batchSize;
    private readonly Histogram<long> _batchRequests;
    private readonly Counter<long> _rows;

    public InferenceMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(TelemetryNames.Meter);
        _requests = meter.CreateCounter<long>(Requests, "{request}", "Inference requests answered, by outcome.");
        _requestDuration = meter.CreateHistogram<double>(RequestDuration, "s", "Time from receiving an inference request to the end of its answer.");
        _queueDuration = meter.CreateHistogram<double>(QueueDuration, "s", "Time a request waited for a Run, from admission until its batch went to a session instance.");
        _computeDuration = meter.CreateHistogram<double>(ComputeDuration, "s", "Time in ONNX Runtime's Run of the batch a request was part of.");
        _preprocessDuration = meter.CreateHistogram<double>(PreprocessDuration, "s", "Time turning a request's body into the Run's input tensors (decode and batch gather).");
        _postprocessDuration = meter.CreateHistogram<double>(PostprocessDuration, "s", "Time turning the Run's outputs into the request's answer (batch scatter and encode).");
        _batchSize = meter.CreateHistogram<long>(BatchSize, "{row}", "Rows (the batch dimension) in each Run.");
        _batchRequests = meter.CreateHistogram<long>(BatchRequests, "{request}", "Requests that shared each Run.");
        _rows = meter.CreateCounter<long>(Rows, "{row}", "Rows inferred by successful Runs.");
    }

    /// <summary>
    /// Counts one answered inference request and its total duration. <paramref name="model"/> and
    /// <paramref name="version"/> are empty when the request named no model the repository has: a client's typo must
    /// not become a new time series.
    /// </summary>
    public void RecordRequest(string model, string version, string outcome, TimeSpan duration)
    {
        var tags = new TagList
        {
            { TelemetryNames.ModelTag, model },
            { TelemetryNames.VersionTag, version },
            { TelemetryNames.OutcomeTag, outcome },
        };
        _requests.Add(1, tags);
        _requestDuration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>
    /// Records where a request that reached a Run spent its time: queue, Run, and the work on either side of the Run
    /// (the host's decode plus the batch gather; the batch scatter plus the host's encode).
    /// </summary>
    public void RecordStages(string model, string version, in StageTimings timings, TimeSpan decode, TimeSpan encode)
    {
        var tags = new TagList
        {
            { TelemetryNames.ModelTag, model },
            { TelemetryNames.VersionTag, version },
        };
        _queueDuration.Record(timings.Queue.TotalSeconds, tags);
        _computeDuration.Record(timings.Run.TotalSeconds, tags);
        _preprocessDuration.Record((decode + timings.Gather).TotalSeconds, tags);
        _postprocessDuration.Record((timings.Scatter + encode).TotalSeconds, tags);
    }

    /// <summary>One Run: its batch size and request count always; its rows only when it succeeded.</summary>
    public void OnBatchExecuted(in BatchExecution batch)
    {
        var tags = new TagList
        {
            { TelemetryNames.ModelTag, batch.Model },
            { TelemetryNames.VersionTag, batch.Version.ToString(CultureInfo.InvariantCulture) },
        };
        _batchSize.Record(batch.BatchSize, tags);
        _batchRequests.Record(batch.Requests, tags);
        if (batch.Succeeded)
        {
            _rows.Add(batch.BatchSize, tags);
        }
    }
}
