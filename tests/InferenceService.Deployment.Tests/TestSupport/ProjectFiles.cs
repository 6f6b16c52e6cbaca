using System.Xml.Linq;

namespace InferenceService.Deployment.Tests.TestSupport;

/// <summary>The repository's project files: what a project references and imports, as repository paths.</summary>
internal static class ProjectFiles
{
    /// <summary>The files a project imports, relative to the repository root.</summary>
    public static IEnumerable<string> Imports(string project) =>
        XDocument.Parse(RepositoryFiles.ReadText(project)).Descendants("Import")
            .Select(i => Relative(Path.Combine(Path.GetDirectoryName(RepositoryFiles.PathOf(project))!, i.Attribute("Project")!.Value)));

    /// <summary>The project and every project it references, transitively, relative to the repository root.</summary>
    public static IReadOnlySet<string> Closure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }
            var folder = Path.GetDirectoryName(RepositoryFiles.PathOf(current))!;
            foreach (var reference in XDocument.Parse(RepositoryFiles.ReadText(current)).Descendants("ProjectReference"))
            {
                pending.Push(Relative(Path.Combine(folder, reference.Attribute("Include")!.Value)));
            }
        }
        return seen;
    }

    private static string Relative(string path) => Path.GetRelativePath(RepositoryFiles.Root, Path.GetFullPath(path)).Replace('\\', '/');
}
