using System.Globalization;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// A model repository in a new temporary folder, laid out as the server reads it
/// (<c>&lt;root&gt;/&lt;name&gt;/&lt;version&gt;/model.onnx</c>, config.json and label files beside the versions).
/// The folder is deleted on dispose.
/// </summary>
public sealed class ModelRepositoryBuilder : IDisposable
{
    public ModelRepositoryBuilder()
    {
        Root = Path.Combine(Path.GetTempPath(), "inference-api-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    /// <summary>The repository folder (absolute).</summary>
    public string Root { get; }

    /// <summary>Copies a model of tests/TestModels as <paramref name="name"/>, once per version (default: version 1).</summary>
    public ModelRepositoryBuilder AddModel(string name, string testModelFile, params long[] versions)
    {
        var source = TestPaths.TestModel(testModelFile);
        foreach (var version in versions.Length == 0 ? [1L] : versions)
        {
            var folder = Path.Combine(Root, name, version.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            File.Copy(source, Path.Combine(folder, "model.onnx"), overwrite: true);
        }
        return this;
    }

    /// <summary>Copies a sample model of the source tree's models/ folder (its versions, config.json and labels).</summary>
    public ModelRepositoryBuilder AddSampleModel(string name)
    {
        CopyDirectory(Path.Combine(TestPaths.SampleModels, name), Path.Combine(Root, name));
        return this;
    }

    /// <summary>Writes the model's config.json.</summary>
    public ModelRepositoryBuilder WithConfig(string name, string json) => WithFile(name, "config.json", json);

    /// <summary>Writes a label file, one class name per line.</summary>
    public ModelRepositoryBuilder WithLabels(string name, string fileName, params string[] labels) =>
        WithFile(name, fileName, string.Join('\n', labels) + "\n");

    /// <summary>Writes a file in the model's folder.</summary>
    public ModelRepositoryBuilder WithFile(string name, string fileName, string content)
    {
        var folder = Path.Combine(Root, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, fileName), content);
        return this;
    }

    /// <summary>Creates an (empty) folder under the repository root.</summary>
    public ModelRepositoryBuilder AddFolder(string relativePath)
    {
        Directory.CreateDirectory(Path.Combine(Root, relativePath));
        return this;
    }

    public void Dispose()
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(Root))
                {
                    Directory.Delete(Root, recursive: true);
                }
                return;
            }
            catch (IOException) when (attempt < 4)
            {
                Thread.Sleep(100);
            }
            catch (UnauthorizedAccessException) when (attempt < 4)
            {
                Thread.Sleep(100);
            }
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
        foreach (var directory in Directory.EnumerateDirectories(source))
        {
            CopyDirectory(directory, Path.Combine(target, Path.GetFileName(directory)));
        }
    }
}
