using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// Resolves a server-side input path against <c>Jobs:InputRoot</c>, refusing anything that could leave it: URLs,
/// absolute paths, <c>..</c> segments, and links (of the file or of any folder on the way) that point outside the root.
/// Messages name the rule, never the server's folders.
/// </summary>
public static class InputPaths
{
    /// <exception cref="InferenceException">The path is refused (400) or names no file (404-like: also 400, with the relative path).</exception>
    public static string Resolve(string? inputRoot, string? relativePath)
    {
        if (string.IsNullOrEmpty(inputRoot))
        {
            throw InferenceException.InvalidInput("This server takes no server-side inputs (Jobs:InputRoot is not set): upload the dataset as the request body.");
        }
        if (string.IsNullOrWhiteSpace(relativePath))
        {
            throw InferenceException.InvalidInput("'input.path' is required: a path relative to the server's input folder.");
        }
        if (relativePath.Contains("://", StringComparison.Ordinal) || Uri.TryCreate(relativePath, UriKind.Absolute, out var uri) && !uri.IsFile)
        {
            throw InferenceException.InvalidInput("'input.path' must be a path relative to the server's input folder, not a URL.");
        }
        if (Path.IsPathRooted(relativePath) || relativePath.StartsWith('~'))
        {
            throw InferenceException.InvalidInput("'input.path' must be relative to the server's input folder, not absolute.");
        }
        var segments = relativePath.Split('/', '\\');
        if (segments.Any(s => s == ".."))
        {
            throw InferenceException.InvalidInput("'input.path' may not contain '..' segments.");
        }
        if (relativePath.Contains('\0', StringComparison.Ordinal))
        {
            throw InferenceException.InvalidInput("'input.path' holds a NUL character.");
        }
        var root = RealPath(Path.GetFullPath(inputRoot));
        var full = Path.GetFullPath(Path.Combine(root, relativePath));
        if (!IsUnder(full, root))
        {
            throw InferenceException.InvalidInput("'input.path' must stay inside the server's input folder.");
        }
        if (!File.Exists(full))
        {
            throw InferenceException.InvalidInput($"There is no file '{relativePath}' in the server's input folder.");
        }
        if (!IsUnder(RealPath(full), root))
        {
            throw InferenceException.InvalidInput("'input.path' is a link to a file outside the server's input folder.");
        }
        return full;
    }

    /// <summary>The path with every link on the way (folders and the file) followed.</summary>
    private static string RealPath(string path)
    {
        var root = Path.GetPathRoot(path)!;
        var current = root;
        foreach (var segment in path[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, segment);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                current = RealPath(Path.GetFullPath(target.FullName));
            }
        }
        return current;
    }

    private static bool IsUnder(string path, string root)
    {
        var withSeparator = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return path.StartsWith(withSeparator, StringComparison.Ordinal);
    }
}
