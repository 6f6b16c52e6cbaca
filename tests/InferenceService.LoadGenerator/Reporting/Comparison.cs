using System.Globalization;

namespace InferenceService.LoadGenerator.Reporting;

/// <summary>
/// Two configurations under the same load compared step by step: throughput ratio (candidate / baseline) and admitted
/// p99 ratio. Ratios measured in one sitting on one machine are what a claim such as "batching gives 4x" can rest
/// on; absolute figures from a shared machine cannot. Each side may be several runs (interleaved with the other
/// side's, so a change in the machine's background load falls on both): throughput is then pooled (all 2xx answers
/// over all measured time) and p50 and p99 are the means of the runs' p50s and p99s. Where both sides read the server's
/// own request-duration histogram, its p99 ratio is reported beside, without a target.
/// </summary>
internal static class Comparison
{
    public static List<Verdict> Compare(IReadOnlyList<RunResult> baseline, IReadOnlyList<RunResult> candidate, double? minThroughputRatio, double? maxP99Ratio)
    {
        var verdicts = new List<Verdict>();
        foreach (var (step, b, c) in Pair(Pool(baseline), Pool(candidate)))
        {
            var throughput = b.RequestsPerSecond > 0 ? c.RequestsPerSecond / b.RequestsPerSecond : double.NaN;
            verdicts.Add(new Verdict(step, "throughput ratio",
                $"{Ratio(throughput)} ({Fmt(c.RequestsPerSecond, 1)} vs {Fmt(b.RequestsPerSecond, 1)} req/s{Runs(b, c)})",
                minThroughputRatio is { } min ? $">= {Fmt(min, 2)}x" : "", minThroughputRatio is { } m ? throughput >= m : null));

            var p50 = b.AdmittedP50Ms is > 0 && c.AdmittedP50Ms is { } cp50 ? cp50 / b.AdmittedP50Ms.Value : double.NaN;
            verdicts.Add(new Verdict(step, "admitted p50 ratio", $"{Ratio(p50)} ({Fmt(c.AdmittedP50Ms, 2)} vs {Fmt(b.AdmittedP50Ms, 2)} ms)", "", null));

            var p99 = b.AdmittedP99Ms is > 0 && c.AdmittedP99Ms is { } cp ? cp / b.AdmittedP99Ms.Value : double.NaN;
            verdicts.Add(new Verdict(step, "admitted p99 ratio",
                $"{Ratio(p99)} ({Fmt(c.AdmittedP99Ms, 2)} vs {Fmt(b.AdmittedP99Ms, 2)} ms)",
                maxP99Ratio is { } max ? $"<= {Fmt(max, 2)}x" : "", maxP99Ratio is { } x ? p99 <= x : null));

            if (b.ServerP99Ms is > 0 && c.ServerP99Ms is { } sp)
            {
                // No target on it: what the server itself took, without the load generator's own waits (see ServerLatency).
                verdicts.Add(new Verdict(step, "server's own p99 ratio", $"{Ratio(sp / b.ServerP99Ms.Value)} ({Fmt(sp, 2)} vs {Fmt(b.ServerP99Ms, 2)} ms)", "", null));
            }

            foreach (var (name, s) in new[] { ("baseline", b), ("candidate", c) }.Where(e => e.Item2.Unserved > 0))
            {
                verdicts.Add(new Verdict(step, $"{name} non-2xx outcomes", N(s.Unserved), "not every request was served: the ratios compare unequal work", null));
            }
        }
        return verdicts;
    }

    /// <summary>One configuration's figures for one step, over all its runs.</summary>
    private sealed record PooledStep(string Label, int Runs, double RequestsPerSecond, double MinRequestsPerSecond, double MaxRequestsPerSecond, double? AdmittedP50Ms, double? AdmittedP99Ms, double? ServerP99Ms, long Unserved);

    private static List<PooledStep> Pool(IReadOnlyList<RunResult> runs) =>
        runs.SelectMany(r => r.Steps).GroupBy(s => s.Label).Select(g =>
        {
            var elapsed = g.Sum(s => s.ElapsedSeconds);
            var admitted = g.Where(s => s.Admitted is not null).Select(s => s.Admitted!).ToList();
            var server = g.Where(s => s.ServerLatency.P99Ms is not null).Select(s => s.ServerLatency.P99Ms!.Value).ToList();
            return new PooledStep(g.Key, g.Count(), elapsed > 0 ? g.Sum(s => s.Succeeded) / elapsed : 0,
                g.Min(s => s.RequestsPerSecond), g.Max(s => s.RequestsPerSecond),
                admitted.Count > 0 ? admitted.Average(a => a.P50Ms) : null, admitted.Count > 0 ? admitted.Average(a => a.P99Ms) : null,
                server.Count == g.Count() ? server.Average() : null, g.Sum(s => s.Sent + s.NotSent - s.Succeeded));
        }).ToList();

    /// <summary>Steps with the same label; when each side has a single step, those two whatever their labels.</summary>
    private static IEnumerable<(string Step, PooledStep Baseline, PooledStep Candidate)> Pair(List<PooledStep> baseline, List<PooledStep> candidate) =>
        baseline.Count == 1 && candidate.Count == 1
            ? [(baseline[0].Label == candidate[0].Label ? baseline[0].Label : $"{baseline[0].Label} vs {candidate[0].Label}", baseline[0], candidate[0])]
            : baseline.Join(candidate, b => b.Label, c => c.Label, (b, c) => (b.Label, b, c));

    /// <summary>How many runs each side pooled and how far apart they were: the spread of the runs of one side is the noise a ratio must exceed.</summary>
    private static string Runs(PooledStep b, PooledStep c) => b.Runs == 1 && c.Runs == 1 ? "" :
        $", {c.Runs} and {b.Runs} runs pooled; runs ranged {Fmt(c.MinRequestsPerSecond, 0)}-{Fmt(c.MaxRequestsPerSecond, 0)} and {Fmt(b.MinRequestsPerSecond, 0)}-{Fmt(b.MaxRequestsPerSecond, 0)}";

    private static string Ratio(double ratio) => double.IsFinite(ratio) ? $"{Fmt(ratio, 2)}x" : "n/a";

    private static string Fmt(double? value, int decimals) =>
        value is { } v ? v.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "-";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
