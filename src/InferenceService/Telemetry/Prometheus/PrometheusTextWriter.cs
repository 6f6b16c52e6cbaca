using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace InferenceService.Telemetry.Prometheus;

/// <summary>
/// Writes collected metrics in the Prometheus text exposition format, version 0.0.4: per family a HELP and a TYPE line,
/// then one sample per line; histograms as cumulative <c>_bucket{le="…"}</c> samples ending at <c>+Inf</c>, then
/// <c>_sum</c> and <c>_count</c>. Families whose names collide (two meters with one instrument name) are written
/// together under the first one's HELP and TYPE; a later one of another type is left out, as Prometheus would refuse it.
/// </summary>
internal static class PrometheusTextWriter
{
    public static void Write(StringBuilder output, in Batch<Metric> metrics)
    {
        var families = new Dictionary<string, List<Metric>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var metric in metrics)
        {
            if (PrometheusNames.TypeOf(metric.MetricType) is null)
            {
                continue;
            }
            var name = PrometheusNames.MetricName(metric.Name, metric.Unit, metric.MetricType);
            if (!families.TryGetValue(name, out var family))
            {
                families[name] = family = [];
                order.Add(name);
            }
            if (family.Count == 0 || PrometheusNames.TypeOf(family[0].MetricType) == PrometheusNames.TypeOf(metric.MetricType))
            {
                family.Add(metric);
            }
        }

        foreach (var name in order)
        {
            var family = families[name];
            var first = family[0];
            if (!string.IsNullOrEmpty(first.Description))
            {
                output.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(first.Description)).Append('\n');
            }
            output.Append("# TYPE ").Append(name).Append(' ').Append(PrometheusNames.TypeOf(first.MetricType)).Append('\n');
            foreach (var metric in family)
            {
                WriteSamples(output, name, metric);
            }
        }
    }

    private static void WriteSamples(StringBuilder output, string name, Metric metric)
    {
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            switch (metric.MetricType)
            {
                case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                    WriteSample(output, name, point.Tags, null, Format(point.GetSumLong()));
                    break;
                case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                    WriteSample(output, name, point.Tags, null, Format(point.GetSumDouble()));
                    break;
                case MetricType.LongGauge:
                    WriteSample(output, name, point.Tags, null, Format(point.GetGaugeLastValueLong()));
                    break;
                case MetricType.DoubleGauge:
                    WriteSample(output, name, point.Tags, null, Format(point.GetGaugeLastValueDouble()));
                    break;
                case MetricType.Histogram:
                    WriteHistogram(output, name, point);
                    break;
            }
        }
    }

    private static void WriteHistogram(StringBuilder output, string name, in MetricPoint point)
    {
        // OpenTelemetry counts each bucket on its own; Prometheus buckets count everything up to their bound.
        long cumulative = 0;
        foreach (var bucket in point.GetHistogramBuckets())
        {
            cumulative += bucket.BucketCount;
            WriteSample(output, name + "_bucket", point.Tags, Format(bucket.ExplicitBound), Format(cumulative));
        }
        WriteSample(output, name + "_sum", point.Tags, null, Format(point.GetHistogramSum()));
        WriteSample(output, name + "_count", point.Tags, null, Format(point.GetHistogramCount()));
    }

    private static void WriteSample(StringBuilder output, string name, ReadOnlyTagCollection tags, string? le, string value)
    {
        output.Append(name);
        if (tags.Count > 0 || le is not null)
        {
            output.Append('{');
            var separator = "";
            foreach (var tag in tags)
            {
                output.Append(separator).Append(PrometheusNames.LabelName(tag.Key)).Append("=\"");
                AppendLabelValue(output, TagText(tag.Value));
                output.Append('"');
                separator = ",";
            }
            if (le is not null)
            {
                output.Append(separator).Append("le=\"").Append(le).Append('"');
            }
            output.Append('}');
        }
        output.Append(' ').Append(value).Append('\n');
    }

    private static string TagText(object? value) => value switch
    {
        null => "",
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    private static void AppendLabelValue(StringBuilder output, string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => output.Append(@"\\"),
                '"' => output.Append("\\\""),
                '\n' => output.Append(@"\n"),
                _ => output.Append(c),
            };
        }
    }

    /// <summary>HELP text escapes backslash and line feed (quotes are fine there).</summary>
    private static string EscapeHelp(string text) => text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal);

    internal static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);
}
