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

    /// <summary>The infer routes' buckets of a Prometheus text exposition; null when it has none.</summary>
    public static LatencyHistogram? Parse(string exposition)
    {
        var sums = new SortedDictionary<double, double>();
        foreach (var line in exposition.Split('\n'))
        {
            if (!line.StartsWith(Bucket, StringComparison.Ordinal))
            {
                continue;
            }
            var close = line.LastIndexOf('}');
            var labels = line.AsSpan(Bucket.Length, Math.Max(0, close - Bucket.Length)).ToString();
            if (close < 0 || Label(labels, "http_route") is not { } route || !(route.EndsWith("/infer", StringComparison.Ordinal) || route.EndsWith("/ModelInfer", StringComparison.Ordinal))
                || Label(labels, "le") is not { } le || !double.TryParse(line.AsSpan(close + 1).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var count))
            {
                continue;
            }
            var upper = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, NumberStyles.Float, CultureInfo.InvariantCulture);
            sums[upper] = sums.GetValueOrDefault(upper) + count;
        }
        return sums.Count == 0 || !double.IsPositiveInfinity(sums.Keys.Last()) ? null : new LatencyHistogram([.. sums.Select(s => (s.Key, s.Value))]);
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

    private static string? Label(string labels, string name)
    {
        var match = LabelPattern().Match(labels, 0);
        for (; match.Success; match = match.NextMatch())
        {
            if (match.Groups[1].Value == name)
            {
                return match.Groups[2].Value;
            }
        }
        return null;
    }

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPattern();
}
