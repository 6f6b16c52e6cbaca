namespace InferenceService.OnnxRuntime.Tests;

public class OrtEnvironmentTests
{
    [Fact]
    public void Version_LoadedLibrary_Is1_30_0() => Assert.Equal("1.30.0", OrtEnvironment.Instance.Version);

    [Fact]
    public void LibraryPath_NoOverride_IsTheCopyNextToTheTestBinaries()
    {
        var path = OrtEnvironment.Instance.LibraryPath;

        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1"), path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void AvailableProviders_NpmBuild_EndWithTheCpuProvider()
    {
        var providers = OrtEnvironment.Instance.AvailableProviders;

        Assert.Equal(CpuExecutionProvider.ProviderName, providers[^1]);
        Assert.Equal(providers.Count, providers.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Initialize_AfterFirstUse_ReturnsTheSameEnvironment()
    {
        var first = OrtEnvironment.Instance;

        var second = OrtEnvironment.Initialize(new OrtEnvironmentOptions { LibraryPath = "/nonexistent/libonnxruntime.so" });

        Assert.Same(first, second);
        Assert.Same(first, OrtEnvironment.Instance);
        Assert.NotEqual("/nonexistent/libonnxruntime.so", second.LibraryPath);
    }

    [Fact]
    public void Initialize_NullOptions_ThrowsArgumentNull() =>
        Assert.Throws<ArgumentNullException>(() => OrtEnvironment.Initialize(null!));
}
