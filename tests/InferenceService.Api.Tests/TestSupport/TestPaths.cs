namespace InferenceService.Api.Tests.TestSupport;

/// <summary>Where the test models and the source tree are, found from the test binaries' folder.</summary>
internal static class TestPaths
{
    /// <summary>The folder holding InferenceService.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The sample models of the source tree (iris, digits).</summary>
    public static string SampleModels => Path.Combine(RepositoryRoot, "models");

    /// <summary>A model of tests/TestModels, copied next to the test binaries by the project file.</summary>
    public static string TestModel(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestModels", fileName);
        return File.Exists(path) ? path : throw new FileNotFoundException($"The test model {fileName} is not next to the test binaries.", path);
    }

    private static string FindRepositoryRoot()
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
