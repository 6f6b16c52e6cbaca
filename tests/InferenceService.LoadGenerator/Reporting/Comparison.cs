using System.Globalization;

namespace InferenceService.LoadGenerator.Reporting;

/// <summary>
/// Two runs of the same load compared step by step: throughput ratio (candidate / baseline) and admitted p99 ratio.
/// Ratios measured in one sitting on one machine are what a claim such as "batching gives 4x" can rest on; absolute
/// figures from a shared 2-core machine cannot.
/// </summary>
internal static class Comparison
{
    public static List<Verdict> Compare(RunResult baseline, RunResult candidate, double? minThroughputRatio, double? maxP99Ratio)
    {
        var verdicts = new List<Verdict>();
        foreach (var (b, c) in Pair(baseline, candidate))
        {
            var step = b.Label == c.Label ? b.Label : $"{b.Label} vs {c.Label}";
            var throughput = b.RequestsPerSecond > 0 ? c.RequestsPerSecond / b.RequestsPerSecond : double.NaN;
            verdicts.Add(new Verdict(step, "throughput ratio",
                $"{Ratio(throughput)} ({Fmt(c.RequestsPerSecond, 1)} vs {Fmt(b.RequestsPerSecond, 1)} req/s)",
                minThroughputRatio is { } min ? $">= {Fmt(min, 2)}x" : "", minThroughputRatio is { } m ? throughput >= m : null));

            var (bp99, cp99) = (b.Admitted?.P99Ms, c.Admitted?.P99Ms);
            var p99 = bp99 is > 0 && cp99 is { } cp ? cp / bp99.Value : double.NaN;
            verdicts.Add(new Verdict(step, "admitted p99 ratio",
                $"{Ratio(p99)} ({Fmt(cp99, 2)} vs {Fmt(bp99, 2)} ms)",
                maxP99Ratio is { } max ? $"<= {Fmt(max, 2)}x" : "", maxP99Ratio is { } x ? p99 <= x : null));

            foreach (var (name, s) in new[] { ("baseline", b), ("candidate", c) }.Where(e => e.Item2.Succeeded < e.Item2.Sent + e.Item2.NotSent))
            {
                verdicts.Add(new Verdict(step, $"{name} non-2xx outcomes", N(s.Sent + s.NotSent - s.Succeeded), "not every request was served: the ratios compare unequal work", null));
            }
        }
        return verdicts;
    }

    /// <summary>Steps with the same label; when each run has one step, those two whatever their labels.</summary>
    private static IEnumerable<(StepResult Baseline, StepResult Candidate)> Pair(RunResult baseline, RunResult candidate) =>
        baseline.Steps.Count == 1 && candidate.Steps.Count == 1
            ? [(baseline.Steps[0], candidate.Steps[0])]
            : baseline.Steps.Join(candidate.Steps, b => b.Label, c => c.Label, (b, c) => (b, c));

    private static string Ratio(double ratio) => double.IsFinite(ratio) ? $"{Fmt(ratio, 2)}x" : "n/a";

    private static string Fmt(double? value, int decimals) =>
        value is { } v ? v.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "-";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
