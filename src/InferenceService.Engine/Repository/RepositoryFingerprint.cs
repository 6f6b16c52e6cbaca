using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace InferenceService.Engine.Repository;

/// <summary>
/// What a model's files and configuration are now, as a short string: every file's relative path, size and last write
/// time. Two equal fingerprints mean nothing changed in between (as far as the file system tells); a reload rebuilds a
/// version only when its fingerprint changed, and the repository poll picks a change up only once two polls in a row
/// saw the same fingerprint (its files stopped changing).
/// </summary>
public static class RepositoryFingerprint
{
    /// <summary>One version: its folder's files (or its single model file) and the model's configuration.</summary>
    public static string OfVersion(ModelSource source, ModelVersionSource version)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(version);
        var text = new StringBuilder();
        text.Append(Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(source.Config, ModelConfigJsonContext.Default.ModelConfig))));
        var folder = Path.GetDirectoryName(version.ModelPath)!;
        if (string.Equals(Path.GetFullPath(folder), Path.GetFullPath(source.Directory), StringComparison.Ordinal))
        {
            AppendFile(text, folder, version.ModelPath); // a bare model file, served as version 1
        }
        else
        {
            AppendFolder(text, folder);
        }
        return Hash(text);
    }

    /// <summary>A whole model folder: config.json, labels, warm-up data and every version folder.</summary>
    public static string OfModelFolder(string modelDirectory)
    {
        var text = new StringBuilder();
        AppendFolder(text, modelDirectory);
        return Hash(text);
    }

    private static void AppendFolder(StringBuilder text, string folder)
    {
        if (!Directory.Exists(folder))
        {
            text.Append("missing;");
            return;
        }
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            AppendFile(text, folder, file);
        }
    }

    private static void AppendFile(StringBuilder text, string root, string file)
    {
        var info = new FileInfo(file);
        text.Append(Path.GetRelativePath(root, file)).Append('|');
        if (info.Exists)
        {
            text.Append(info.Length.ToString(CultureInfo.InvariantCulture)).Append('|')
                .Append(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
        }
        text.Append(';');
    }

    private static string Hash(StringBuilder text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
}
