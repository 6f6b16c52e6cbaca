using System.Diagnostics.Metrics;
using InferenceService.Engine.Telemetry;
using OpenTelemetry.Metrics;

namespace InferenceService.Telemetry;

/// <summary>
/// Which instruments a host's meter provider keeps, and the buckets of its histograms.
/// Meters are subscribed by name, and a name is process-wide: two hosts in one process (tests, say) would each see the
/// other's "InferenceService" and "Microsoft.AspNetCore.Hosting" meters. Meters made by a host's IMeterFactory carry
/// that factory as their scope, so an instrument whose meter belongs to another factory is dropped; meters with no
/// scope (the runtime's "System.Runtime") describe the whole process and are kept.
/// </summary>
internal static class MetricViews
{
    /// <summary>Seconds, from a tenth of a millisecond (a small model's Run) to ten seconds (a long queue).</summary>
    public static IReadOnlyList<double> LatencyBoundaries { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Rows or requests per Run: powers of two up to the largest batches worth running.</summary>
    public static IReadOnlyList<double> BatchBoundaries { get; } = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    public static MetricStreamConfiguration? Select(Instrument instrument, IMeterFactory ownFactory)
    {
        var scope = instrument.Meter.Scope;
        if (scope is not null && !ReferenceEquals(scope, ownFactory))
        {
            return MetricStreamConfiguration.Drop;
        }
        if (!IsHistogram(instrument))
        {
            return null;
        }
        if (instrument.Unit == "s")
        {
            return new ExplicitBucketHistogramConfiguration { Boundaries = [.. LatencyBoundaries] };
        }
        if (instrument.Meter.Name == TelemetryNames.Meter && instrument.Name is InferenceMetrics.BatchSize or InferenceMetrics.BatchRequests)
        {
            return new ExplicitBucketHistogramConfiguration { Boundaries = [.. BatchBoundaries] };
        }
        return null;
    }

    private static bool IsHistogram(Instrument instrument)
    {
        var type = instrument.GetType();
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Histogram<>);
    }
}
