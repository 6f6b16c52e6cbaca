using System.Globalization;

namespace InferenceService.LoadGenerator.Reporting;

/// <summary>
/// What an overloaded server must do, checked on each step of a run: shed load with fast 503s (or 504s after a
/// queue timeout), never fail in any other way, never drop a connection. Admitted latency is reported alongside,
/// since shedding exists to protect it.
/// </summary>
internal static class OverloadChecks
{
    public static List<Verdict> Evaluate(RunResult run, long maxOtherServerErrors, long maxTransportErrors, double? max503P99Ms)
    {
        var verdicts = new List<Verdict>();
        foreach (var s in run.Steps)
        {
            verdicts.Add(new Verdict(s.Label, "5xx other than 503/504", N(s.OtherServerErrors), $"<= {N(maxOtherServerErrors)}", s.OtherServerErrors <= maxOtherServerErrors));
            verdicts.Add(new Verdict(s.Label, "transport errors", N(s.TransportErrorCount), $"<= {N(maxTransportErrors)}", s.TransportErrorCount <= maxTransportErrors));
            if (max503P99Ms is { } limit)
            {
                // No 503 at all under overload means nothing was shed: the queue grew instead, which is the failure this check exists for.
                verdicts.Add(s.Rejected is { } rejected
                    ? new Verdict(s.Label, "503 p99", $"{Ms(rejected.P99Ms)} ms over {N(rejected.Count)} answers", $"< {Ms(limit)} ms", rejected.P99Ms < limit)
                    : new Verdict(s.Label, "503 p99", "none: no request was refused", $"< {Ms(limit)} ms, with load shed", false));
            }
            verdicts.Add(new Verdict(s.Label, "admitted p99",
                s.Admitted is { } admitted ? $"{Ms(admitted.P99Ms)} ms over {N(admitted.Count)} answers" : "none: nothing was admitted", "", null));
            verdicts.Add(new Verdict(s.Label, "offered / served", $"{N(s.Sent + s.NotSent)} requests / {N(s.Succeeded)} 2xx, {N(s.StatusCounts.GetValueOrDefault(503))} 503, {N(s.StatusCounts.GetValueOrDefault(504))} 504", "", null));
        }
        return verdicts;
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
