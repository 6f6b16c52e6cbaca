namespace InferenceService.Engine.Lifecycle;

/// <summary>
/// What a load request brings instead of the repository's files (Triton's load parameters): a configuration (the
/// text of a config.json) and files, by path relative to the model's folder (<c>1/model.onnx</c>). Uploaded files
/// need a configuration, as in Triton; with files, the model is served from them alone, not from the repository.
/// </summary>
/// <param name="Config">The configuration's text; null: the repository's config.json.</param>
/// <param name="Files">The files' contents by relative path (checked by <see cref="RepositoryNames.CheckUploadedFile"/>).</param>
public sealed record ModelOverrides(string? Config, IReadOnlyDictionary<string, byte[]> Files)
{
    public static ModelOverrides None { get; } = new(null, new Dictionary<string, byte[]>());

    public bool IsEmpty => Config is null && Files.Count == 0;
}
