using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace InferenceService.Telemetry.Prometheus;

/// <summary>
/// The OpenTelemetry SDK's side of <c>GET /metrics</c>: a pull-only exporter. Plugged into a
/// <see cref="BaseExportingMetricReader"/>, which hands it the reader's Collect; a scrape calls Collect, the SDK calls
/// <see cref="Export"/> on the same thread while the metric points are valid, and the text is rendered there and then.
/// Scrapes are serialized: one collection at a time, as the SDK requires.
/// </summary>
[ExportModes(ExportModes.Pull)]
internal sealed class PrometheusExporter : BaseExporter<Metric>, IPullMetricExporter
{
    /// <summary>How long a scrape may wait for the SDK to collect, in milliseconds.</summary>
    private const int CollectTimeoutMilliseconds = 10_000;

    private readonly Lock _gate = new();
    private StringBuilder? _target;

    /// <summary>Set by the reader this exporter is plugged into; null before that and after it is disposed.</summary>
    public Func<int, bool>? Collect { get; set; }

    /// <summary>Collects every metric now and renders it; null when the SDK cannot collect (not started or shut down).</summary>
    public string? Scrape()
    {
        lock (_gate)
        {
            var collect = Collect;
            if (collect is null)
            {
                return null;
            }
            _target = new StringBuilder(16 * 1024);
            try
            {
                return collect(CollectTimeoutMilliseconds) ? _target.ToString() : null;
            }
            finally
            {
                _target = null;
            }
        }
    }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        // Only a scrape asks the SDK to collect for this exporter, so a target is always there; anything else has no reader.
        var target = _target;
        if (target is null)
        {
            return ExportResult.Failure;
        }
        PrometheusTextWriter.Write(target, batch);
        return ExportResult.Success;
    }
}
