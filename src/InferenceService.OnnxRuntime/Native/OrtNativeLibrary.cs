using System.Reflection;
using System.Runtime.InteropServices;

namespace InferenceService.OnnxRuntime.Native;

/// <summary>
/// The one place that decides which ONNX Runtime native library this process uses. In order:
/// an explicit path (configuration), the <c>ONNXRUNTIME_LIBRARY_PATH</c> environment variable, the copy the
/// build places next to the application, and finally the operating system's own search (LD_LIBRARY_PATH and
/// friends), which is how a container that installs the official GPU build elsewhere can also find it.
/// </summary>
internal static class OrtNativeLibrary
{
    public const string LibraryPathEnvironmentVariable = "ONNXRUNTIME_LIBRARY_PATH";

    /// <summary>Loads the library and returns the address of its only entry point, <c>OrtGetApiBase</c>.</summary>
    public static IntPtr LoadApiBaseEntryPoint(string? configuredPath, out string loadedFrom)
    {
        var tried = new List<string>();
        foreach (var candidate in Candidates(configuredPath))
        {
            tried.Add(candidate);
            if (NativeLibrary.TryLoad(candidate, typeof(OrtNativeLibrary).Assembly, DllImportSearchPath.SafeDirectories, out var handle))
            {
                if (NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out var entry))
                {
                    loadedFrom = candidate;
                    return entry;
                }
                NativeLibrary.Free(handle);
            }
        }

        throw new DllNotFoundException(
            "The ONNX Runtime native library could not be loaded. Tried: " + string.Join(", ", tried) + ". " +
            "Build the project once (it fetches the official build), or point " + LibraryPathEnvironmentVariable +
            " (or the OnnxRuntime:LibraryPath setting) at a libonnxruntime file.");
    }

    private static IEnumerable<string> Candidates(string? configuredPath)
    {
        if (!string.IsNullOrWhiteSpace(configuredPath))
        {
            // An explicit choice is final: silently using another build would hide a misconfiguration.
            yield return configuredPath;
            yield break;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(LibraryPathEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            yield return fromEnvironment;
            yield break;
        }

        foreach (var name in PlatformFileNames())
        {
            yield return Path.Combine(AppContext.BaseDirectory, name);
        }
        foreach (var name in PlatformFileNames())
        {
            yield return name;
        }
    }

    private static string[] PlatformFileNames() =>
        OperatingSystem.IsWindows() ? ["onnxruntime.dll"]
        : OperatingSystem.IsMacOS() ? ["libonnxruntime.1.dylib", "libonnxruntime.dylib"]
        : ["libonnxruntime.so.1", "libonnxruntime.so"];
}
