using System.CommandLine;
using System.Globalization;
using InferenceService.Engine;
using InferenceService.Engine.Jobs;
using InferenceService.Engine.Lifecycle;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using Spectre.Console;

namespace InferenceService.Hosting;

/// <summary>
/// <c>InferenceService batch --model iris --input data.csv --output out.jsonl [--key id] [--shard i/N]</c>: a batch job
/// with no server, for a laptop or a Kubernetes Job. The model repository comes from the server's own settings
/// (appsettings.json, <c>ModelRepository__Path</c> …, or <c>--model-repository</c>); formats from the files'
/// extensions. <c>--shard i/N</c>, or Kubernetes' <c>JOB_COMPLETION_INDEX</c>/<c>JOB_COMPLETIONS</c> of an Indexed Job,
/// takes the i-th of N consecutive parts of the input (row groups of Parquet, line ranges otherwise) and writes its own
/// part file (<c>out-0000i-of-0000N.jsonl</c>), with global row numbers, so the parts laid end to end are the whole
/// run's output. A progress bar on a terminal, plain lines otherwise. Exit codes: 0 every row accounted for (in the
/// output or the errors file), 1 the job failed (a threshold, the model), 2 the command line or setup was wrong,
/// 130 interrupted.
/// </summary>
internal static class BatchCommand
{
    public const string Name = "batch";
    private const int Failed = 1;
    private const int UsageError = 2;
    private const int Interrupted = 130;

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Name;

    public static Task<int> RunAsync(string[] args) => Create().Parse(args).InvokeAsync();

    private static RootCommand Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "The model to run the rows through.", Required = true };
        var version = new Option<string?>("--version") { Description = "The model version (default: the newest)." };
        var input = new Option<string>("--input", "-i") { Description = "The dataset: .csv (header row), .jsonl or .parquet.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The results: .jsonl, .csv or .parquet; failed rows go to <name>.errors.<ext> beside it.", Required = true };
        var key = new Option<string?>("--key", "-k") { Description = "A column passed through to every output and error row." };
        var columns = new Option<string[]>("--column") { Description = "input=column: the column that feeds a model input whose name it does not share; repeat it." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Rows per request to the scheduler (default: the model's max_batch_size, else 256)." };
        var outputs = new Option<string[]>("--outputs") { Description = "The outputs to keep (default: all); repeat it." };
        var maxFailedRows = new Option<long?>("--max-failed-rows") { Description = "More failed rows than this fail the run." };
        var maxFailedRatio = new Option<double?>("--max-failed-ratio") { Description = "A larger share (0-1) of failed rows than this fails the run." };
        var shard = new Option<string?>("--shard") { Description = "i/N: run the i-th (0-based) of N parts of the input (default: JOB_COMPLETION_INDEX/JOB_COMPLETIONS when set)." };
        var repository = new Option<string?>("--model-repository") { Description = "The model repository folder (default: the server's ModelRepository:Path setting)." };
        var root = new Command(Name, "Runs a dataset through a model without a server: the same checks, batching and output files as a job of the server.")
        {
            model, version, input, output, key, columns, batchSize, outputs, maxFailedRows, maxFailedRatio, shard, repository,
        };
        var command = new RootCommand("InferenceService") { root };
        root.SetAction(async (parsed, cancellationToken) =>
        {
            var error = Console.Error;
            try
            {
                var inputPath = Path.GetFullPath(parsed.GetValue(input)!);
                var outputPath = Path.GetFullPath(parsed.GetValue(output)!);
                if (!File.Exists(inputPath))
                {
                    await error.WriteLineAsync($"error: the input {parsed.GetValue(input)} does not exist.");
                    return UsageError;
                }
                var inputFormat = DatasetFormats.FromPath(inputPath);
                var outputFormat = DatasetFormats.FromPath(outputPath);
                if (ParseShard(parsed.GetValue(shard)) is not { } part)
                {
                    await error.WriteLineAsync("error: --shard must be i/N with 0 <= i < N (or JOB_COMPLETION_INDEX < JOB_COMPLETIONS).");
                    return UsageError;
                }
                var spec = new JobSpec
                {
                    Model = parsed.GetValue(model)!,
                    Version = parsed.GetValue(version),
                    InputPath = inputPath,
                    InputFormat = inputFormat,
                    OutputFormat = outputFormat,
                    Key = parsed.GetValue(key),
                    Columns = ParseColumns(parsed.GetValue(columns)),
                    BatchSize = parsed.GetValue(batchSize),
                    Outputs = parsed.GetValue(outputs) is { Length: > 0 } kept ? kept : null,
                    MaxFailedRows = parsed.GetValue(maxFailedRows),
                    MaxFailedRatio = parsed.GetValue(maxFailedRatio),
                };
                var range = part.Count == 1 ? RowRange.All : await DatasetReaders.ShardAsync(inputPath, inputFormat, part.Index, part.Count, cancellationToken);
                var target = part.Count == 1 ? outputPath : OfflineBatch.ShardPathFor(outputPath, part.Index, part.Count);
                return await RunAsync(spec, parsed.GetValue(repository), range, target, cancellationToken);
            }
            catch (InferenceException e)
            {
                await error.WriteLineAsync($"error: {e.Message}");
                return UsageError;
            }
            catch (ModelLoadException e)
            {
                await error.WriteLineAsync($"error: {e.Message}");
                return UsageError;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync("interrupted: the rows done so far are in the output.");
                return Interrupted;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(JobSpec spec, string? repositoryOverride, RowRange range, string outputPath, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var repositoryOptions = configuration.GetSection(ModelRepositoryOptions.SectionName).Get<ModelRepositoryOptions>() ?? new ModelRepositoryOptions();
        if (repositoryOverride is not null)
        {
            repositoryOptions.Path = repositoryOverride;
        }
        var runtimeOptions = configuration.GetSection(OnnxRuntimeOptions.SectionName).Get<OnnxRuntimeOptions>() ?? new OnnxRuntimeOptions();
        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        // Only the job's model is loaded, whatever the server's control mode.
        repositoryOptions.ControlMode = ModelControlMode.Explicit;
        repositoryOptions.LoadModels = [spec.Model];
        var scheduling = new SchedulerContext(configuration.GetSection(SchedulingOptions.SectionName).Get<SchedulingOptions>() ?? new SchedulingOptions(), TimeProvider.System, null);
        var loader = new ModelLoader(loggers.CreateLogger<ModelLoader>(), scheduling) { DefaultExecutionProviders = runtimeOptions.ExecutionProviderList([]) };
        using var registry = new ModelRegistry(loggers.CreateLogger<ModelRegistry>());
        await using var lifecycle = new ModelLifecycle(registry, loader, repositoryOptions, TimeProvider.System, loggers.CreateLogger<ModelLifecycle>());
        await lifecycle.StartAsync(runtimeOptions.ToEnvironmentOptions(loggers), cancellationToken);
        var model = registry.Resolve(spec.Model, spec.Version);
        long? total = range.End is { } end ? end - range.Start : await DatasetReaders.CountAsync(spec.InputPath, spec.InputFormat, cancellationToken) - range.Start;

        var pipeline = new InferencePipeline();
        JobRunResult result;
        var started = TimeProvider.System.GetTimestamp();
        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            result = await AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask($"{model.Name} v{model.VersionText}", maxValue: Math.Max(1, total ?? 1));
                    var progress = new Progress<JobCheckpoint>(c => task.Value = c.NextRow - range.Start);
                    return await OfflineBatch.RunAsync(pipeline, model, spec, outputPath, range, progress, TimeProvider.System, cancellationToken);
                });
        }
        else
        {
            var progress = new SynchronousProgress(c => Console.Out.WriteLine(Line(c, range, total, started)));
            result = await OfflineBatch.RunAsync(pipeline, model, spec, outputPath, range, progress, TimeProvider.System, cancellationToken);
        }
        var done = result.Checkpoint;
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{done.Succeeded} rows succeeded, {done.Failed} failed -> {outputPath}{(done.Failed > 0 ? $" (errors: {OfflineBatch.ErrorsPathFor(outputPath)})" : "")}"));
        if (result.Outcome == JobRunOutcome.Failed)
        {
            await Console.Error.WriteLineAsync($"failed: {result.Error}");
            return Failed;
        }
        var accounted = done.Succeeded + done.Failed == (total ?? done.NextRow - range.Start);
        return result.Outcome == JobRunOutcome.Completed && accounted ? 0 : result.Outcome == JobRunOutcome.Stopped ? Interrupted : Failed;
    }

    private static string Line(JobCheckpoint c, RowRange range, long? total, long started)
    {
        var done = c.NextRow - range.Start;
        var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"batch: {done}/{total} rows ({(total > 0 ? 100.0 * done / total.Value : 100):0}%), {c.Failed} failed, {(seconds > 0 ? done / seconds : 0):0} rows/s");
    }

    /// <summary>--shard i/N, else JOB_COMPLETION_INDEX/JOB_COMPLETIONS, else the whole input (0/1); null when malformed.</summary>
    internal static (int Index, int Count)? ParseShard(string? text)
    {
        if (text is null)
        {
            var index = Environment.GetEnvironmentVariable("JOB_COMPLETION_INDEX");
            var count = Environment.GetEnvironmentVariable("JOB_COMPLETIONS");
            if (string.IsNullOrEmpty(index) || string.IsNullOrEmpty(count))
            {
                return (0, 1);
            }
            text = $"{index}/{count}";
        }
        var parts = text.Split('/');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n >= 1 && i < n ? (i, n) : null;
    }

    private static Dictionary<string, string>? ParseColumns(string[]? pairs)
    {
        if (pairs is not { Length: > 0 })
        {
            return null;
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1)
            {
                throw InferenceException.InvalidInput($"--column takes input=column; '{pair}' is not that.");
            }
            map[pair[..equals]] = pair[(equals + 1)..];
        }
        return map;
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and could print after the summary).</summary>
    private sealed class SynchronousProgress(Action<JobCheckpoint> report) : IProgress<JobCheckpoint>
    {
        public void Report(JobCheckpoint value) => report(value);
    }
}
