using System.Globalization;
using System.Text.Json;

namespace InferenceService.Engine.Repository;

/// <summary>
/// Reads a model repository laid out as <c>&lt;root&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c> with an optional
/// <c>&lt;root&gt;/&lt;model&gt;/config.json</c>. Folders whose names start with '.' or '_' are skipped, and so are
/// version folders whose names are not positive integers written without leading zeros.
/// </summary>
public static class ModelRepositoryScanner
{
    public const string ModelFileName = "model.onnx";
    public const string ConfigFileName = "config.json";

    public static IReadOnlyList<ModelSource> Scan(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The model repository '{root}' does not exist.");
        }
        return Directory.EnumerateDirectories(root)
            .Where(d => !IsHidden(d))
            .Order(StringComparer.Ordinal)
            .Select(ReadModel)
            .ToArray();
    }

    public static ModelSource ReadModel(string modelDirectory)
    {
        var name = Path.GetFileName(modelDirectory);
        var problems = new List<string>();
        var config = ReadConfig(modelDirectory, problems);
        if (problems.Count == 0)
        {
            problems.AddRange(ModelConfigValidator.Validate(config, name, modelDirectory));
        }

        var available = Directory.EnumerateDirectories(modelDirectory)
            .Select(Path.GetFileName)
            // Only the canonical spelling: "007" parsed as 7 would point at <model>/7/model.onnx, which is not that folder.
            .Select(v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                && n.ToString(CultureInfo.InvariantCulture) == v ? n : 0)
            .Where(v => v > 0)
            .ToArray();
        var selected = VersionPolicy.Select(config.VersionPolicy, available);
        if (selected.Count == 0)
        {
            problems.Add(available.Length == 0
                ? "the model has no version folders (<model>/<version>/model.onnx, versions are positive integers)."
                : "the version policy selects none of the versions present.");
        }
        var versions = selected
            .Select(v => new ModelVersionSource(v, Path.Combine(modelDirectory, v.ToString(CultureInfo.InvariantCulture), ModelFileName)))
            .ToArray();
        return new ModelSource(name, modelDirectory, config, problems, versions);
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
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, ModelConfigJsonContext.Default.ModelConfig) ?? new ModelConfig();
        }
        catch (JsonException e)
        {
            problems.Add($"config.json is not valid: {JsonErrors.Describe(e)}");
            return new ModelConfig();
        }
        catch (IOException e)
        {
            problems.Add($"config.json cannot be read: {e.Message}");
            return new ModelConfig();
        }
    }

    private static bool IsHidden(string directory) => Path.GetFileName(directory) is ['.' or '_', ..];
}
