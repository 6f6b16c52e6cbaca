namespace InferenceService.Engine.Repository;

/// <summary>The <c>ModelRepository</c> configuration section.</summary>
public sealed class ModelRepositoryOptions
{
    public const string SectionName = "ModelRepository";

    /// <summary>The repository folder. Empty: the models/ folder of the source tree, found from the application's folder upwards.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// Strict readiness (Triton's default): the server is ready only when every model version the repository asks for
    /// is ready. Off: ready once loading has finished, whatever failed.
    /// </summary>
    public bool StrictReadiness { get; set; } = true;

    /// <summary>
    /// Serve <see cref="Path"/> as the folder of one model with this name instead of as a repository of models: KServe
    /// mounts one model's files at /mnt/models and routes <c>/v2/models/&lt;InferenceService name&gt;</c> to it.
    /// Empty: a repository.
    /// </summary>
    public string? ModelName { get; set; }

    /// <summary>How many models load at once. 0: one per processor.</summary>
    public int LoadConcurrency { get; set; }

    /// <summary>The configured path, or the nearest models/ folder above the application's folder.</summary>
    public string ResolvePath()
    {
        if (!string.IsNullOrWhiteSpace(Path))
        {
            return System.IO.Path.GetFullPath(Path);
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "models");
            if (Directory.Exists(candidate) && File.Exists(System.IO.Path.Combine(dir.FullName, "InferenceService.sln")))
            {
                return candidate;
            }
        }
        return System.IO.Path.GetFullPath("models");
    }
}
