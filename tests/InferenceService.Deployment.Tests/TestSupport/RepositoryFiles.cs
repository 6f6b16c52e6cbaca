using System.Text.Json;

namespace InferenceService.Deployment.Tests.TestSupport;

/// <summary>The source tree's files, found from the test binaries' folder.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    /// <summary>A path relative to the repository root, written with '/'.</summary>
    public static string PathOf(string relative) => Path.GetFullPath(Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar)));

    public static string ReadText(string relative)
    {
        var path = PathOf(relative);
        Assert.True(File.Exists(path), $"{relative} does not exist.");
        return File.ReadAllText(path);
    }

    public static JsonElement ReadJson(string relative)
    {
        using var document = JsonDocument.Parse(ReadText(relative), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return document.RootElement.Clone();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "InferenceService.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds InferenceService.sln.");
    }
}
