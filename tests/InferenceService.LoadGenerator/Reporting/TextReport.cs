using System.Globalization;
using InferenceService.LoadGenerator.Measurement;

namespace InferenceService.LoadGenerator.Reporting;

/// <summary>
/// The human report of a run: one table for throughput and latency, one for what was refused or failed, one for the
/// server's own split of the time; then anything that makes a figure doubtful (a generator behind schedule).
/// </summary>
internal static class TextReport
{
    public static void Write(RunResult run, TextWriter writer)
    {
        writer.WriteLine();
        writer.WriteLine($"{run.Model}{(run.Version is null ? "" : $" v{run.Version}")} at {run.Target}, {run.Mode.Replace('_', ' ')}, " +
                         $"{run.PayloadSource} payload: {run.RowsPerRequest} row(s), {run.PayloadBytes:N0} bytes per request");
        writer.WriteLine();

        var latency = new TextTable("step", "sent", "2xx", "req/s", "rows/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "2xx p99", "503 p99");
        foreach (var s in run.Steps)
        {
            latency.AddRow(s.Label, N(s.Sent), N(s.Succeeded), F(s.RequestsPerSecond, 1), F(s.RowsPerSecond, 1),
                Ms(s.Latency, l => l.P50Ms), Ms(s.Latency, l => l.P90Ms), Ms(s.Latency, l => l.P99Ms), Ms(s.Latency, l => l.MaxMs),
                Ms(s.Admitted, l => l.P99Ms), Ms(s.Rejected, l => l.P99Ms));
        }
        latency.WriteTo(writer);
        writer.WriteLine();

        var errors = new TextTable("step", "503", "504", "other 5xx", "4xx", "transport", "not sent", "503 w/o Retry-After", "details") { TextLastColumn = true };
        foreach (var s in run.Steps)
        {
            errors.AddRow(s.Label, N(Status(s, 503)), N(Status(s, 504)), N(s.OtherServerErrors),
                N(s.StatusCounts.Where(e => e.Key is >= 400 and < 500).Sum(e => e.Value)), N(s.TransportErrorCount), N(s.NotSent),
                N(s.RejectedWithoutRetryAfter), Details(s));
        }
        errors.WriteTo(writer);
        writer.WriteLine();

        var server = new TextTable("step", "server rows", "runs", "rows/run", "queue ms", "compute ms", "infer ms", "batch sizes (size x runs)") { TextLastColumn = true };
        foreach (var s in run.Steps)
        {
            var split = s.Server;
            if (!split.Available)
            {
                server.AddRow(s.Label, "-", "-", "-", "-", "-", "-", $"unavailable: {split.Reason}");
                continue;
            }
            server.AddRow(s.Label, N(split.Rows), N(split.Executions), F(split.RowsPerExecution, 2), F(split.QueueMs, 3), F(split.ComputeMs, 3),
                F(split.ComputeInferMs, 3), string.Join(" ", split.ExecutionsByBatchSize.Select(e => $"{e.Key}x{e.Value}")));
        }
        server.WriteTo(writer);

        if (run.Steps.Any(s => s.ServerLatency.Available))
        {
            writer.WriteLine();
            var answers = new TextTable("step", "server answers", "server p50 ms", "server p99 ms", "details") { TextLastColumn = true };
            foreach (var s in run.Steps)
            {
                var own = s.ServerLatency;
                answers.AddRow(s.Label, own.Available ? N(own.Answers) : "-", F(own.P50Ms, 3), F(own.P99Ms, 3), own.Available ? "" : $"unavailable: {own.Reason}");
            }
            answers.WriteTo(writer);
        }

        foreach (var s in run.Steps.Where(s => s.Rate is { } rate && s.ScheduleLag is { } lag && lag.P99Ms > Math.Max(5, 1000 / rate)))
        {
            writer.WriteLine($"warning: {s.Label}: requests left up to {s.ScheduleLag!.P99Ms:0.#} ms late (p99; max {s.ScheduleLag.MaxMs:0.#} ms): " +
                             "the generator fell behind its schedule, so at times it offered less than the rate and then a burst.");
        }
        foreach (var s in run.Steps.Where(s => s.NotSent > 0))
        {
            writer.WriteLine($"warning: {s.Label}: {s.NotSent:N0} requests fell due while the --max-in-flight limit of requests was already waiting; they were counted as not sent.");
        }
    }

    private static long Status(StepResult s, int status) => s.StatusCounts.GetValueOrDefault(status);

    private static string Details(StepResult s) => string.Join(" ",
        s.StatusCounts.Where(e => e.Key is not (>= 200 and < 300) and not 503 and not 504).Select(e => $"{e.Key}:{e.Value}")
            .Concat(s.TransportErrors.Select(e => $"{e.Key}:{e.Value}")));

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double? value, int decimals) =>
        value is { } v ? v.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "-";

    private static string Ms(LatencySummary? summary, Func<LatencySummary, double> pick) => summary is null ? "-" : F(pick(summary), 2);
}
