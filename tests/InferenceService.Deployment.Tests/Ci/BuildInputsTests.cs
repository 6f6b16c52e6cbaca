using System.Text.RegularExpressions;
using InferenceService.Deployment.Tests.TestSupport;

namespace InferenceService.Deployment.Tests.Ci;

/// <summary>What the build needs besides the .NET SDK and NuGet: nothing. No Node.js or npm in any build file, the
/// Dockerfile or a workflow (ONNX Runtime's natives come in its NuGet packages).</summary>
public sealed partial class BuildInputsTests
{
    [GeneratedRegex(@"\bnpm\b|\bnode(js)?\b|setup-node|node_modules", RegexOptions.IgnoreCase)]
    private static partial Regex NodeOrNpm();

    private static readonly string[] s_skippedFolders = ["bin", "obj", ".git", "TestResults", "BenchmarkDotNet.Artifacts", "node_modules"];

    [Fact]
    public void BuildFilesDockerfileAndWorkflows_NeverNameNodeOrNpm()
    {
        var files = BuildFiles().Append("Dockerfile").Concat(Workflows()).ToArray();
        Assert.Contains("Directory.Build.props", files);
        Assert.Contains("src/InferenceService/InferenceService.csproj", files);

        var hits = files.SelectMany(file => RepositoryFiles.ReadText(file).Split('\n')
                .Select((line, i) => (file, line: i + 1, text: line.Trim()))
                .Where(l => NodeOrNpm().IsMatch(l.text)))
            .Select(h => $"{h.file}:{h.line}: {h.text}").ToArray();

        Assert.True(hits.Length == 0, $"The build must not need Node.js or npm:\n{string.Join('\n', hits)}");
    }

    [Fact]
    public void OldNativeFetch_IsGone()
    {
        Assert.False(File.Exists(RepositoryFiles.PathOf("src/InferenceService.OnnxRuntime/build/OnnxRuntimeNative.targets")),
            "OnnxRuntimeNative.targets (the npm pack fetch) still exists.");
        Assert.DoesNotContain(BuildFiles(), f => f.EndsWith("OnnxRuntimeNative.targets", StringComparison.Ordinal));
    }

    /// <summary>Every MSBuild file of the repository (project, props, targets), as repository paths.</summary>
    private static IEnumerable<string> BuildFiles() =>
        Walk(RepositoryFiles.Root).Where(f => f.EndsWith(".csproj", StringComparison.Ordinal) || f.EndsWith(".props", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal));

    private static IEnumerable<string> Workflows() =>
        Directory.EnumerateFiles(RepositoryFiles.PathOf(".github/workflows"), "*.yml").Select(f => $".github/workflows/{Path.GetFileName(f)}");

    private static IEnumerable<string> Walk(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            yield return Path.GetRelativePath(RepositoryFiles.Root, file).Replace('\\', '/');
        }
        foreach (var sub in Directory.EnumerateDirectories(folder).Where(d => !s_skippedFolders.Contains(Path.GetFileName(d))))
        {
            foreach (var file in Walk(sub))
            {
                yield return file;
            }
        }
    }
}
