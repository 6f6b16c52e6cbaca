using System.CommandLine;
using System.Globalization;
using InferenceService.LoadGenerator.Load;
using InferenceService.LoadGenerator.Reporting;

namespace InferenceService.LoadGenerator.Cli;

/// <summary>
/// The command line: the root command sends load; <c>compare</c>, <c>check</c> and <c>throughput</c> read results
/// files back, so a benchmark script can state ratios and targets without any other tool; <c>compare-outputs</c> sends
/// one request to several models and compares their answers. Exit codes: 0 done (and every target met), 1 a target
/// missed, 2 the command line or the setup was wrong, 130 interrupted (Ctrl+C).
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
        root.Subcommands.Add(CompareOutputsCommand(output, error));
        return root;
    }

    private static Command CompareOutputsCommand(TextWriter output, TextWriter error)
    {
        var url = new Option<string>("--url") { Description = "The server's base URL; only localhost, 127.0.0.0/8 or [::1].", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var models = new Option<string[]>("--model", "-m") { Description = "A model to send the request to; repeat it. The first one's answer is the reference.", Required = true };
        var payload = new Option<string?>("--payload") { Description = "A JSON file with the infer request body (default: random inputs generated from the first model's metadata)." };
        var batchSize = new Option<int>("--batch-size", "-b") { Description = "Rows of the generated request.", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated input values.", DefaultValueFactory = _ => 1 };
        var timeout = new Option<string>("--timeout") { Description = "How long one request may take.", DefaultValueFactory = _ => "60s" };
        var maxAbsDiff = new Option<double?>("--max-abs-diff") { Description = "Target: every element of every output within this of the reference's." };
        var command = new Command("compare-outputs", "Sends the same infer request to each model (one request each) and prints the largest absolute difference between each answer and the first model's.")
        {
            url, models, payload, batchSize, seed, timeout, maxAbsDiff,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var problems = new List<string>();
            var baseUrl = LoopbackTarget.Parse(parsed.GetValue(url), out var urlProblem);
            if (urlProblem is not null)
            {
                problems.Add(urlProblem);
            }
            var names = parsed.GetValue(models) ?? [];
            if (names.Length < 2 || names.Distinct(StringComparer.Ordinal).Count() != names.Length || names.Any(string.IsNullOrWhiteSpace))
            {
                problems.Add("--model must name at least two different models.");
            }
            if (parsed.GetValue(batchSize) is < 1 or > 65_536)
            {
                problems.Add($"--batch-size must be from 1 to 65536, not {parsed.GetValue(batchSize)}.");
            }
            if (parsed.GetValue(payload) is { } file && !File.Exists(file))
            {
                problems.Add($"--payload \"{file}\" is not a file.");
            }
            if (!ValueParsers.TryParseDuration(parsed.GetValue(timeout), out var limit) || limit <= TimeSpan.Zero || limit > RunCommandLine.MaxTimeout)
            {
                problems.Add($"--timeout must be a duration such as 60s, at most {ValueParsers.Format(RunCommandLine.MaxTimeout)}; not \"{parsed.GetValue(timeout)}\".");
            }
            if (parsed.GetValue(maxAbsDiff) is { } target && !(target >= 0))
            {
                problems.Add($"--max-abs-diff must be 0 or more, not {target.ToString(CultureInfo.InvariantCulture)}.");
            }
            if (problems.Count > 0)
            {
                problems.ForEach(p => error.WriteLine($"error: {p}"));
                return UsageError;
            }
            try
            {
                var runner = new Outputs.OutputsRunner(baseUrl!, names, parsed.GetValue(payload), parsed.GetValue(batchSize), parsed.GetValue(seed), limit);
                return Report(output, await runner.CompareAsync(parsed.GetValue(maxAbsDiff), cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is LoadSetupException or FormatException or IOException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                error.WriteLine($"error: {e.Message}");
                return UsageError;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                error.WriteLine("cancelled.");
                return Cancelled;
            }
        });
        return command;
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
