namespace InferenceService.Engine.Jobs;

/// <summary>
/// What a batch job does, fixed at submission: the model, where the input is and in which format, how its columns
/// feed the model's inputs, what to write and when to give up.
/// </summary>
public sealed record JobSpec
{
    public required string Model { get; init; }

    /// <summary>The version to run; null: the newest ready one when the job starts (then kept for its whole run).</summary>
    public string? Version { get; init; }

    /// <summary>The input file: absolute, under the job's folder (an upload) or under <c>Jobs:InputRoot</c>.</summary>
    public required string InputPath { get; init; }

    public required DatasetFormat InputFormat { get; init; }

    public required DatasetFormat OutputFormat { get; init; }

    /// <summary>A column passed through to every output and error row.</summary>
    public string? Key { get; init; }

    /// <summary>Model input name → the column that feeds it, where the names differ.</summary>
    public IReadOnlyDictionary<string, string>? Columns { get; init; }

    /// <summary>Rows per request to the scheduler; null: the model's max_batch_size, else 256.</summary>
    public int? BatchSize { get; init; }

    /// <summary>More failed rows than this stop the job as failed.</summary>
    public long? MaxFailedRows { get; init; }

    /// <summary>A larger share of failed rows (0–1, of the rows done) than this stops the job as failed.</summary>
    public double? MaxFailedRatio { get; init; }

    /// <summary>The outputs to keep; null: all of them.</summary>
    public IReadOnlyList<string>? Outputs { get; init; }

    /// <summary>
    /// The id of the API key the job was submitted with (null: an anonymous caller, or a job run offline), whose
    /// job-row quota paces the job (see <see cref="IJobRowPacer"/>). An id, never a key.
    /// </summary>
    public string? SubmittedBy { get; init; }
}
