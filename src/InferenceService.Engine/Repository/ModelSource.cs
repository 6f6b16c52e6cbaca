namespace InferenceService.Engine.Repository;

/// <summary>One model folder of the repository, as found on disk: its configuration and the versions to serve.</summary>
/// <param name="Name">The folder name, which is the model's name.</param>
/// <param name="Directory">The model's folder.</param>
/// <param name="Config">The configuration (an empty one when there is no config.json).</param>
/// <param name="Problems">Everything wrong with the configuration; the model is not served while there are any.</param>
/// <param name="Versions">The versions the version policy asks for, newest first.</param>
public sealed record ModelSource(
    string Name,
    string Directory,
    ModelConfig Config,
    IReadOnlyList<string> Problems,
    IReadOnlyList<ModelVersionSource> Versions);

/// <summary>A version the repository asks for; <see cref="ModelPath"/> may not exist, which fails that version's load.</summary>
public sealed record ModelVersionSource(long Version, string ModelPath);
