using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// One job run without a server or a store (the <c>batch</c> command: a laptop, a Kubernetes Job): the rows of a
/// range of the input through a loaded model into an output file and an errors file beside it, in the formats their
/// extensions name. Same runner, same checks, same files as a server job.
/// </summary>
public static class OfflineBatch
{
    /// <summary>The errors file beside an output: <c>out.jsonl</c> → <c>out.errors.jsonl</c>.</summary>
    public static string ErrorsPathFor(string outputPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputPath))!, Path.GetFileNameWithoutExtension(outputPath) + ".errors" + Path.GetExtension(outputPath));

    /// <summary>Shard <paramref name="index"/> of <paramref name="count"/>'s own file: <c>out.jsonl</c> → <c>out-00001-of-00004.jsonl</c>.</summary>
    public static string ShardPathFor(string outputPath, int index, int count) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputPath))!,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Path.GetFileNameWithoutExtension(outputPath)}-{index:D5}-of-{count:D5}{Path.GetExtension(outputPath)}"));

    /// <summary>Runs the rows of <paramref name="range"/>; <paramref name="progress"/> hears the rows done at each checkpoint.</summary>
    public static async Task<JobRunResult> RunAsync(InferencePipeline pipeline, LoadedModel model, JobSpec spec, string outputPath, RowRange range, IProgress<JobCheckpoint>? progress, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        var errorsPath = ErrorsPathFor(outputPath);
        var parquet = spec.OutputFormat == DatasetFormat.Parquet;
        var working = parquet ? outputPath + ".jsonl" : outputPath;
        var workingErrors = parquet ? errorsPath + ".jsonl" : errorsPath;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        File.Delete(working);
        File.Delete(workingErrors);
        var settings = new JobRunSettings
        {
            Checkpoint = (checkpoint, _) =>
            {
                progress?.Report(checkpoint);
                return ValueTask.FromResult(true);
            },
            CheckpointRows = 4096,
            CheckpointInterval = TimeSpan.FromMilliseconds(500),
        };
        JobRunResult result;
        await using (var reader = DatasetReaders.Open(spec.InputPath, spec.InputFormat, range))
        {
            result = await new JobRunner(pipeline, time).RunAsync(model, spec, reader,
                new JobResultFilesSpec(working, workingErrors, spec.OutputFormat == DatasetFormat.Csv), JobCheckpoint.Start(range.Start), settings, cancellationToken);
        }
        progress?.Report(result.Checkpoint);
        if (parquet)
        {
            var outputs = spec.Outputs is { Count: > 0 } names ? [.. names.Select(n => model.FindOutput(n)!)] : model.Outputs;
            var labels = outputs.Select(o => model.Labels.TryGetValue(o.Name, out var l) ? l : null).ToArray();
            var stacked = new RowShaper(model, spec).StacksRows;
            await ParquetResultConverter.ConvertOutputAsync(working, outputPath, outputs, labels, spec.Key is not null, stacked, CancellationToken.None);
            await ParquetResultConverter.ConvertErrorsAsync(workingErrors, errorsPath, spec.Key is not null, CancellationToken.None);
            File.Delete(working);
            File.Delete(workingErrors);
        }
        return result;
    }
}
