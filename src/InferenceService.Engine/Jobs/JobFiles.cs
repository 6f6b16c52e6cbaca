namespace InferenceService.Engine.Jobs;

/// <summary>
/// The layout of <c>Jobs:Directory</c>: <c>jobs.db</c> (the store) and one folder per job holding its uploaded input,
/// its output and errors files (and, for a Parquet output, the JSON Lines files they are made from).
/// </summary>
public sealed class JobFiles(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public string DatabasePath => Path.Combine(Root, "jobs.db");

    public string FolderOf(string id) => Path.Combine(Root, "jobs", id);

    public string UploadPath(string id, DatasetFormat format) => Path.Combine(FolderOf(id), "input" + DatasetFormats.Extension(format));

    /// <summary>The finished output file.</summary>
    public string OutputPath(string id, DatasetFormat format) => Path.Combine(FolderOf(id), "output" + DatasetFormats.Extension(format));

    public string ErrorsPath(string id, DatasetFormat format) => Path.Combine(FolderOf(id), "errors" + DatasetFormats.Extension(format));

    /// <summary>The file a run appends to: the output itself, or for Parquet the JSON Lines it is made from.</summary>
    public string WorkingOutputPath(string id, DatasetFormat format) =>
        format == DatasetFormat.Parquet ? Path.Combine(FolderOf(id), "output.parquet.jsonl") : OutputPath(id, format);

    public string WorkingErrorsPath(string id, DatasetFormat format) =>
        format == DatasetFormat.Parquet ? Path.Combine(FolderOf(id), "errors.parquet.jsonl") : ErrorsPath(id, format);
}
