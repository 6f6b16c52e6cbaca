using System.Reflection;

namespace InferenceService.Deployment.Tests.TestSupport;

/// <summary>
/// The ONNX Runtime package these tests were built with (OnnxRuntimePackage: Gpu or Cpu, stamped into the test assembly
/// by its project file), and where that package's Linux natives are in the build output.
/// </summary>
internal static class BuildFlavour
{
    public static string OnnxRuntimePackage { get; } =
        typeof(BuildFlavour).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "OnnxRuntimePackage")?.Value ?? "";

    /// <summary>Where a build without a runtime identifier puts the Linux x64 natives of the ONNX Runtime packages.</summary>
    public static string NativeFolder { get; } = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    public static string Native(string file) => Path.Combine(NativeFolder, file);

    /// <summary>Fails unless the build set OnnxRuntimePackage to one of the two values; returns it.</summary>
    public static string Require()
    {
        Assert.True(OnnxRuntimePackage is "Gpu" or "Cpu",
            $"These tests were built with OnnxRuntimePackage='{OnnxRuntimePackage}': the build must set it to Gpu (the default, in Directory.Build.props) or Cpu.");
        return OnnxRuntimePackage;
    }
}
