namespace InferenceService.Benchmarks;

/// <summary>The test models copied next to the benchmark binaries (tests/TestModels).</summary>
internal static class BenchmarkModels
{
    public static string PathOf(string fileName) => Path.Combine(AppContext.BaseDirectory, "TestModels", fileName);
}
