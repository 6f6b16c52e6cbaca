using System.Text;

namespace InferenceService.OnnxRuntime.Native;

/// <summary>File paths as the C API's <c>ORTCHAR_T*</c>: UTF-16 on Windows, UTF-8 elsewhere; null-terminated.</summary>
internal static class NativePath
{
    public static byte[] Encode(string path) =>
        OperatingSystem.IsWindows() ? Encoding.Unicode.GetBytes(path + '\0') : Utf8.NullTerminated(path);
}
