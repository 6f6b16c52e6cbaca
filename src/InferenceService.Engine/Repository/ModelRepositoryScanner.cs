using System.Globalization;
using System.Text.Json;

namespace InferenceService.Engine.Repository;

/// <summary>
/// Reads a model repository laid out as <c>&lt;root&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c> with an optional
/// <c>&lt;root&gt;/&lt;model&gt;/config.json</c>. Folders whose names start with '.' or '_' are skipped, and so are
/// version folders whose names are not positive integers written without leading zeros.
/// <para>
/// A single model can be served instead (KServe mounts one model's files at /mnt/models): the folder is then that
/// model's own folder, served under a name given by configuration, with its version folders or, failing those, a bare
/// <c>model.onnx</c> served as version 1.
/// </para>
/// </summary>
public static class ModelRepositoryScanner
{
    public const string ModelFileName = "model.onnx";
    public const string ConfigFileName = "config.json";

    /// <summary>Reads every model of the repository, or only <paramref name="singleModelName"/> when it is given.</summary>
    /// <param name="root">The repository folder, or the one model's folder when <paramref name="singleModelName"/> is given.</param>
    /// <param name="singleModelName">Serve <paramref name="root"/> as the folder of one model with this name.</param>
    public static IReadOnlyList<ModelSource> Scan(string root, string? singleModelName = null)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The model repository '{root}' does not exist.");
        }
        if (!string.IsNullOrWhiteSpace(singleModelName))
        {
            return [ReadSingleModel(root, singleModelName)];
        }
        return Directory.EnumerateDirectories(root)
            .Where(d => !IsHidden(d))
            .Order(StringComparer.Ordinal)
            .Select(ReadModel)
            .ToArray();
    }

    public static ModelSource ReadModel(string modelDirectory) => ReadModel(modelDirectory, Path.GetFileName(modelDirectory), single: false);

    /// <summary>
    /// One model's folder served as <paramref name="name"/>, whatever the folder is called. The name is the operator's
    /// (KServe's InferenceService name), so a "name" in config.json, written for the folder it came from, is not compared.
    /// </summary>
    public static ModelSource ReadSingleModel(string modelDirectory, string name) => ReadModel(modelDirectory, name, single: true);

    /// <summary>
    /// A model's folder read as <see cref="ReadModel(string)"/> does, except that its configuration is
    /// <paramref name="configJson"/> instead of its config.json (a load with a configuration override).
    /// </summary>
    public static ModelSource ReadModel(string modelDirectory, string name, bool single, string? configJson) =>
        ReadModel(modelDirectory, name, single, configJson, overridden: configJson is not null);

    private static ModelSource ReadModel(string modelDirectory, string name, bool single) =>
        ReadModel(modelDirectory, name, single, null, overridden: false);

    private static ModelSource ReadModel(string modelDirectory, string name, bool single, string? configJson, bool overridden)
    {
        var problems = new List<string>();
        var config = overridden ? ParseConfig(configJson!, problems) : ReadConfig(modelDirectory, problems);
        if (problems.Count == 0)
        {
            problems.AddRange(ModelConfigValidator.Validate(config, single ? config.Name ?? name : name, modelDirectory));
        }

        var available = Directory.EnumerateDirectories(modelDirectory)
            .Select(Path.GetFileName)
            // Only the canonical spelling: "007" parsed as 7 would point at <model>/7/model.onnx, which is not that folder.
            .Select(v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                && n.ToString(CultureInfo.InvariantCulture) == v ? n : 0)
            .Where(v => v > 0)
            .ToArray();
        // KServe's storage initializer puts a single-file model straight into the mount: that file is version 1.
        var bareFile = single && available.Length == 0 && File.Exists(Path.Combine(modelDirectory, ModelFileName));
        if (bareFile)
        {
            available = [1];
        }
        var selected = VersionPolicy.Select(config.VersionPolicy, available);
        if (selected.Count == 0)
        {
            problems.Add(available.Length == 0
                ? "the model has no version folders (<model>/<version>/model.onnx, versions are positive integers)."
                : "the version policy selects none of the versions present.");
        }
        var versions = selected
            .Select(v => new ModelVersionSource(v, bareFile
                ? Path.Combine(modelDirectory, ModelFileName)
                : Path.Combine(modelDirectory, v.ToString(CultureInfo.InvariantCulture), ModelFileName)))
            .ToArray();
        return new ModelSource(name, modelDirectory, config, problems, versions);
    }

    /// <summary>A configuration given as text (a load's override): the same reading as a config.json file.</summary>
    public static ModelConfig ParseConfig(string json, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        try
        {
            return JsonSerializer.Deserialize(json, ModelConfigJsonContext.Default.ModelConfig) ?? new ModelConfig();
        }
        catch (JsonException e)
        {
            problems.Add($"the configuration is not valid: {JsonErrors.Describe(e)}");
            return new ModelConfig();
        }
    }

    private static ModelConfig ReadConfig(string modelDirectory, List<string> problems)
    {
        var path = Path.Combine(modelDirectory, ConfigFileName);
        if (!File.Exists(path))
        {
            return new ModelConfig();
        }
        try
        {
            return ParseConfig(File.ReadAllBytes(path), problems);
        }
        catch (IOException e)
        {
            problems.Add($"config.json cannot be read: {e.Message}");
            return new ModelConfig();
        }
    }

    /// <summary>A config.json's text as its model, or an empty one with the problem added when it is not valid JSON of that shape.</summary>
    public static ModelConfig ParseConfig(ReadOnlySpan<byte> utf8, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        try
        {
            return JsonSerializer.Deserialize(utf8, ModelConfigJsonContext.Default.ModelConfig) ?? new ModelConfig();
        }
        catch (JsonException e)
        {
            problems.Add($"config.json is not valid: {JsonErrors.Describe(e)}");
            return new ModelConfig();
        }
    }

    private static bool IsHidden(string directory) => Path.GetFileName(directory) is ['.' or '_', ..];
}
