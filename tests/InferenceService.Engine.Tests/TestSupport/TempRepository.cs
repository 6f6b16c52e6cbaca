using System.Globalization;

namespace InferenceService.Engine.Tests.TestSupport;

/// <summary>A model repository in a new temporary folder, deleted on dispose.</summary>
public sealed class TempRepository : IDisposable
{
    public TempRepository()
    {
        Root = Path.Combine(Path.GetTempPath(), "inference-engine-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public static string TestModel(string fileName) => Path.Combine(AppContext.BaseDirectory, "TestModels", fileName);

    public string ModelDirectory(string name) => Path.Combine(Root, name);

    /// <summary>Copies tests/TestModels/<paramref name="testModelFile"/> to &lt;name&gt;/&lt;version&gt;/model.onnx for each version.</summary>
    public TempRepository AddModel(string name, string testModelFile, params long[] versions)
    {
        foreach (var version in versions.Length == 0 ? [1L] : versions)
        {
            AddVersionFolder(name, version.ToString(CultureInfo.InvariantCulture), testModelFile);
        }
        return this;
    }

    /// <summary>A version folder named exactly <paramref name="folder"/>, with a model when one is given.</summary>
    public TempRepository AddVersionFolder(string name, string folder, string? testModelFile = null)
    {
        var path = Path.Combine(Root, name, folder);
        Directory.CreateDirectory(path);
        if (testModelFile is not null)
        {
            File.Copy(TestModel(testModelFile), Path.Combine(path, "model.onnx"), overwrite: true);
        }
        return this;
    }

    public TempRepository WithFile(string name, string fileName, string content)
    {
        Directory.CreateDirectory(Path.Combine(Root, name));
        File.WriteAllText(Path.Combine(Root, name, fileName), content);
        return this;
    }

    public TempRepository WithConfig(string name, string json) => WithFile(name, "config.json", json);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is not worth failing a test for.
        }
    }
}
