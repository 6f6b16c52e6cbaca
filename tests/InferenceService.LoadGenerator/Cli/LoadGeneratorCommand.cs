using System.CommandLine;
using System.Globalization;
using InferenceService.LoadGenerator.Load;
using InferenceService.LoadGenerator.Reporting;

namespace InferenceService.LoadGenerator.Cli;

/// <summary>
/// The command line: the root command sends load; <c>compare</c>, <c>check</c> and <c>throughput</c> read results
/// files back, so a benchmark script can state ratios and targets without any other tool. Exit codes: 0 done (and
/// every target met), 1 a target missed, 2 the command line or the setup was wrong, 130 interrupted (Ctrl+C).
/// </summary>
internal static class LoadGeneratorCommand
{
    public const int TargetMissed = 1;
    public const int UsageError = 2;
    public const int Cancelled = 130;

    public static RootCommand Create(TextWriter output, TextWriter error)
    {
        var run = new RunCommandLine();
        var root = new RootCommand("Sends inference load to a server on this machine (closed-loop concurrency sweeps or open-loop fixed rates) and reports throughput, latency percentiles, errors and the server's queue/compute split.");
        run.AddTo(root);
        root.SetAction(async (parsed, cancellationToken) =>
        {
            var problems = new List<string>();
            if (run.Read(parsed, problems) is not { } options)
            {
                problems.ForEach(p => error.WriteLine($"error: {p}"));
                return UsageError;
            }
            try
            {
                var result = await new LoadRunner(options, error).RunAsync(cancellationToken).ConfigureAwait(false);
                TextReport.Write(result, output);
                if (options.JsonPath is { } path)
                {
                    await ResultsJson.WriteAsync(result, path, cancellationToken).ConfigureAwait(false);
                    output.WriteLine($"results: {path}");
                }
                return 0;
            }
            catch (Exception e) when (e is LoadSetupException or FormatException or IOException)
            {
                error.WriteLine($"error: {e.Message}");
                return UsageError;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                error.WriteLine("cancelled: no results.");
                return Cancelled;
            }
        });
        root.Subcommands.Add(CompareCommand(output, error));
        root.Subcommands.Add(CheckCommand(output, error));
        root.Subcommands.Add(ThroughputCommand(output, error));
        return root;
    }

    private static Command CompareCommand(TextWriter output, TextWriter error)
    {
        var baseline = new Option<string[]>("--baseline") { Description = "Results file of a baseline run (e.g. batching off); repeat for several runs.", Required = true };
        var candidate = new Option<string[]>("--candidate") { Description = "Results file of a candidate run (e.g. batching on); repeat for several runs.", Required = true };
        var minThroughput = new Option<double?>("--min-throughput-ratio") { Description = "Target: candidate throughput at least this many times the baseline's." };
        var maxP99 = new Option<double?>("--max-p99-ratio") { Description = "Target: candidate admitted p99 at most this many times the baseline's." };
        var command = new Command("compare", "Throughput and p99 ratios of two configurations' results files, step by step.") { baseline, candidate, minThroughput, maxP99 };
        command.SetAction(parsed => WithResults(error, () =>
            Report(output, Comparison.Compare(parsed.GetValue(baseline)!.Select(ResultsJson.Read).ToList(), parsed.GetValue(candidate)!.Select(ResultsJson.Read).ToList(),
                parsed.GetValue(minThroughput), parsed.GetValue(maxP99)))));
        return command;
    }

    private static Command CheckCommand(TextWriter output, TextWriter error)
    {
        var result = new Option<string>("--result") { Description = "Results file of an overload run.", Required = true };
        var maxOther = new Option<long>("--max-other-5xx") { Description = "Target: at most this many 5xx answers other than 503 and 504.", DefaultValueFactory = _ => 0 };
        var maxTransport = new Option<long>("--max-transport-errors") { Description = "Target: at most this many transport errors.", DefaultValueFactory = _ => 0 };
        var max503 = new Option<double?>("--max-503-p99-ms") { Description = "Target: 503 answers exist and their p99 is below this many milliseconds." };
        var command = new Command("check", "Checks an overload run: no failures but load shedding, and how fast a refusal comes.") { result, maxOther, maxTransport, max503 };
        command.SetAction(parsed => WithResults(error, () =>
            Report(output, OverloadChecks.Evaluate(ResultsJson.Read(parsed.GetValue(result)!), parsed.GetValue(maxOther), parsed.GetValue(maxTransport), parsed.GetValue(max503)))));
        return command;
    }

    private static Command ThroughputCommand(TextWriter output, TextWriter error)
    {
        var result = new Option<string>("--result") { Description = "Results file.", Required = true };
        var command = new Command("throughput", "Prints the highest 2xx requests per second among a results file's steps, as a whole number (for scripts).") { result };
        command.SetAction(parsed => WithResults(error, () =>
        {
            var best = ResultsJson.Read(parsed.GetValue(result)!).Steps.Max(s => s.RequestsPerSecond);
            output.WriteLine(Math.Floor(best).ToString(CultureInfo.InvariantCulture));
            return 0;
        }));
        return command;
    }

    private static int Report(TextWriter output, List<Verdict> verdicts)
    {
        verdicts.ForEach(v => output.WriteLine(v));
        return verdicts.Any(v => v.Passed == false) ? TargetMissed : 0;
    }

    private static int WithResults(TextWriter error, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            return UsageError;
        }
    }
}
