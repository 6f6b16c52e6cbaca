using System.Runtime.InteropServices;

namespace InferenceService.Engine.Onnx;

/// <summary>
/// Finds out why a GPU provider's library (libonnxruntime_providers_cuda.so, …) cannot be loaded, by loading it the
/// way ONNX Runtime does and reading the system loader's error: usually a CUDA, cuDNN or TensorRT library that is not
/// installed. The answer names files only, never folders, so it can be shown to clients.
/// </summary>
internal static class ProviderLibraryProbe
{
    /// <summary>The loader's reason, or null when the library loads (the provider failed for another reason) or cannot be found.</summary>
    public static string? WhyNotLoadable(ExecutionProvider provider)
    {
        var fileName = LibraryFileName(provider);
        if (fileName is null)
        {
            return null;
        }
        var path = OnnxRuntimeEnvironment.Instance.NativeDirectories().Select(d => Path.Combine(d, fileName)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            return $"its library {fileName} is not installed next to ONNX Runtime (the Cpu build of the service does not ship it).";
        }
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            return null;
        }
        catch (DllNotFoundException e)
        {
            return $"its library {fileName} cannot be loaded: {LoaderReason(e.Message)}";
        }
    }

    internal static string? LibraryFileName(ExecutionProvider provider)
    {
        var stem = provider switch
        {
            CudaExecutionProvider => "onnxruntime_providers_cuda",
            TensorRtExecutionProvider => "onnxruntime_providers_tensorrt",
            _ => null,
        };
        return stem is null ? null
            : OperatingSystem.IsWindows() ? stem + ".dll"
            : OperatingSystem.IsMacOS() ? "lib" + stem + ".dylib"
            : "lib" + stem + ".so";
    }

    /// <summary>
    /// The runtime's message ends with the loader's own line ("libcublasLt.so.13: cannot open shared object file: No
    /// such file or directory"); folders are cut from every path in it.
    /// </summary>
    internal static string LoaderReason(string message)
    {
        var line = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? message;
        var words = line.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            if (words[i].Contains('/', StringComparison.Ordinal) || words[i].Contains('\\', StringComparison.Ordinal))
            {
                var trimmed = words[i].Trim('\'', '"', ':', ',');
                words[i] = words[i].Replace(trimmed, Path.GetFileName(trimmed.Replace('\\', '/')), StringComparison.Ordinal);
            }
        }
        return string.Join(' ', words).TrimEnd('.') + ".";
    }
}
