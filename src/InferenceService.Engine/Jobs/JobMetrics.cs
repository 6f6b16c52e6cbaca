using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using InferenceService.Engine.Telemetry;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// Batch-job metrics on the service's Meter: rows processed by model, job and outcome; jobs by status; each running
/// job's rows per second.
/// </summary>
public sealed class JobMetrics
{
    public const string Rows = "inference.job.rows";
    public const string Jobs = "inference.jobs";
    public const string RowsPerSecond = "inference.job.rows_per_second";

    private readonly Counter<long> _rows;
    private readonly ConcurrentDictionary<string, (string Model, double Rate)> _rates = new();
    private volatile IReadOnlyDictionary<JobStatus, long> _statuses = JobStatuses.All.ToDictionary(s => s, _ => 0L);

    public JobMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(TelemetryNames.Meter);
        _rows = meter.CreateCounter<long>(Rows, "{row}", "Rows of batch jobs processed, by model, job and outcome (succeeded, failed).");
        meter.CreateObservableGauge(Jobs, () => _statuses.Select(s => new Measurement<long>(s.Value, new KeyValuePair<string, object?>("status", JobStatuses.Name(s.Key)))), "{job}", "Batch jobs by status.");
        meter.CreateObservableGauge(RowsPerSecond, () => _rates.Select(r => new Measurement<double>(r.Value.Rate,
            new KeyValuePair<string, object?>("model", r.Value.Model), new KeyValuePair<string, object?>("job", r.Key))), "{row}/s", "Rows per second of each running batch job.");
    }

    public void RecordRows(string model, string job, long succeeded, long failed)
    {
        if (succeeded > 0)
        {
            _rows.Add(succeeded, new("model", model), new("job", job), new("outcome", "succeeded"));
        }
        if (failed > 0)
        {
            _rows.Add(failed, new("model", model), new("job", job), new("outcome", "failed"));
        }
    }

    public void SetRate(string model, string job, double rowsPerSecond) => _rates[job] = (model, rowsPerSecond);

    public void ClearRate(string job) => _rates.TryRemove(job, out _);

    public void SetStatuses(IReadOnlyDictionary<JobStatus, long> counts) => _statuses = counts;
}
