using System.Globalization;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Lifecycle;

/// <summary>
/// The checks on names a client gives the repository routes: a model name passes the one naming rule
/// (<see cref="ModelNames"/>) and is one folder of the repository (nothing that leaves it), and an uploaded file is
/// <c>&lt;version&gt;/model.onnx</c> or a plain file of the model's own folder. Nothing is ever fetched from a URL.
/// </summary>
public static class RepositoryNames
{
    /// <summary>Throws a 400 when <paramref name="name"/> is not a plain folder name directly under <paramref name="root"/>.</summary>
    public static void CheckModelName(string name, string root)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (ModelNames.Problem(name) is { } problem)
        {
            // The name is not repeated: it may be a path of the server's own file system.
            throw InferenceException.InvalidInput(problem);
        }
        if (name.StartsWith('.') || name.StartsWith('_'))
        {
            // The scan skips such folders (hidden, or the repository's own): they are never models.
            throw InferenceException.InvalidInput("A model name must not start with '.' or '_'.");
        }
        var full = Path.GetFullPath(Path.Combine(root, name));
        if (!string.Equals(Path.GetDirectoryName(full), Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw InferenceException.InvalidInput("The model name leaves the repository.");
        }
    }

    /// <summary>
    /// The relative path of an uploaded file, from its parameter name's part after <c>file:</c>: <c>&lt;version&gt;/&lt;file&gt;</c>
    /// (a version folder's file) or <c>&lt;file&gt;</c> (a file of the model's folder: labels, warm-up data under
    /// <c>warmup/&lt;file&gt;</c>). Throws a 400 for anything else.
    /// </summary>
    public static string CheckUploadedFile(string relative)
    {
        ArgumentNullException.ThrowIfNull(relative);
        var parts = relative.Split('/');
        var plain = parts.All(ModelConfigValidator.IsPlainFileName) && !relative.Contains('\\') && parts.Length is >= 1 and <= 2;
        if (plain && parts.Length == 2)
        {
            var versionFolder = long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0
                && version.ToString(CultureInfo.InvariantCulture) == parts[0];
            plain = versionFolder || parts[0] == ModelWarmup.DataFolder;
        }
        if (!plain || parts[^1] == ModelRepositoryScanner.ConfigFileName)
        {
            // The name is not repeated: it may be a path of the server's own file system.
            throw InferenceException.InvalidInput(
                "An uploaded file must be named 'file:<version>/model.onnx', 'file:warmup/<file>' or 'file:<file>' (a file of the model's folder): no \"..\", no absolute path, no backslash; the configuration goes in \"config\".");
        }
        return Path.Combine(parts);
    }
}
