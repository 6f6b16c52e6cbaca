using System.Globalization;
using System.Text.RegularExpressions;

namespace InferenceService.LoadGenerator.ServerStats;

/// <summary>
/// The server's own histogram of how long it took to answer infer requests, at one moment: ASP.NET Core's
/// <c>http.server.request.duration</c> as a Prometheus exporter writes it (<c>http_server_request_duration_seconds_bucket</c>),
/// the buckets of every infer route (HTTP <c>…/infer</c>, gRPC <c>…/ModelInfer</c>) and status summed. The counts only
/// grow, so two snapshots give the answers in between; their percentiles are read within the buckets, as Prometheus's
/// <c>histogram_quantile</c> reads them, so they are as fine as the server's buckets.
/// </summary>
internal sealed partial class LatencyHistogram
{
    private const string Bucket = "http_server_request_duration_seconds_bucket{";

    private LatencyHistogram(IReadOnlyList<(double UpperSeconds, double Count)> buckets) => Buckets = buckets;

    /// <summary>Cumulative counts by upper bound (seconds, the last +Inf), in order.</summary>
    public IReadOnlyList<(double UpperSeconds, double Count)> Buckets { get; }

    /// <summary>The infer routes' buckets of a Prometheus text exposition; null when it has none. Lines it cannot read are skipped.</summary>
    public static LatencyHistogram? Parse(string exposition)
    {
        var sums = new SortedDictionary<double, double>();
        foreach (var line in exposition.Split('\n'))
        {
            if (TryReadInferBucket(line) is var (upper, count))
            {
                sums[upper] = sums.GetValueOrDefault(upper) + count;
            }
        }
        return sums.Count == 0 || !double.IsPositiveInfinity(sums.Keys.Last()) ? null : new LatencyHistogram([.. sums.Select(s => (s.Key, s.Value))]);
    }

    /// <summary>A bucket line of an infer route: its upper bound in seconds and its count; null for any other line.</summary>
    private static (double Upper, double Count)? TryReadInferBucket(string line)
    {
        var close = line.LastIndexOf('}');
        if (!line.StartsWith(Bucket, StringComparison.Ordinal) || close < Bucket.Length)
        {
            return null;
        }
        var labels = LabelPattern().Matches(line[Bucket.Length..close]).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var infer = labels.TryGetValue("http_route", out var route) && (route.EndsWith("/infer", StringComparison.Ordinal) || route.EndsWith("/ModelInfer", StringComparison.Ordinal));
        if (!infer || !labels.TryGetValue("le", out var le)
            || !double.TryParse(line.AsSpan(close + 1).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var count))
        {
            return null;
        }
        if (le == "+Inf")
        {
            return (double.PositiveInfinity, count);
        }
        return double.TryParse(le, NumberStyles.Float, CultureInfo.InvariantCulture, out var upper) ? (upper, count) : null;
    }

    /// <summary>
    /// The <paramref name="quantile"/> of the answers between <paramref name="before"/> and <paramref name="after"/>, in
    /// milliseconds, read linearly within its bucket (the first bucket starts at 0); null when there were none. One in
    /// the +Inf bucket is reported as that bucket's lower bound.
    /// </summary>
    public static double? QuantileMs(LatencyHistogram before, LatencyHistogram after, double quantile)
    {
        var counts = Between(before, after);
        var total = counts.Count > 0 ? counts[^1].Count : 0;
        if (total <= 0)
        {
            return null;
        }
        var rank = quantile * total;
        var (lower, below) = (0.0, 0.0);
        foreach (var (upper, count) in counts)
        {
            if (count >= rank && count > below)
            {
                var seconds = double.IsPositiveInfinity(upper) ? lower : lower + ((upper - lower) * (rank - below) / (count - below));
                return Math.Round(seconds * 1000, 3);
            }
            (lower, below) = (upper, count);
        }
        return Math.Round(lower * 1000, 3);
    }

    /// <summary>Answers between the two snapshots.</summary>
    public static long Answers(LatencyHistogram before, LatencyHistogram after) => Between(before, after) is { Count: > 0 } c ? (long)c[^1].Count : 0;

    private static List<(double UpperSeconds, double Count)> Between(LatencyHistogram before, LatencyHistogram after) =>
        [.. after.Buckets.Select(b => (b.UpperSeconds, b.Count - before.Buckets.Where(x => x.UpperSeconds == b.UpperSeconds).Select(x => x.Count).FirstOrDefault()))];

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPattern();
}
