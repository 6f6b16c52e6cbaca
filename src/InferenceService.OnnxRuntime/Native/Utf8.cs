using System.Runtime.InteropServices;
using System.Text;

namespace InferenceService.OnnxRuntime.Native;

/// <summary>Conversions between .NET strings and the null-terminated UTF-8 strings of the C API.</summary>
internal static unsafe class Utf8
{
    /// <summary>A null-terminated UTF-8 copy of <paramref name="value"/> in managed memory (pin it to pass it).</summary>
    public static byte[] NullTerminated(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    public static string Read(byte* value) => Marshal.PtrToStringUTF8((IntPtr)value) ?? string.Empty;

    /// <summary>Reads a string that ONNX Runtime allocated with its default allocator, then frees it.</summary>
    public static string ReadAndFree(byte* value)
    {
        try
        {
            return Read(value);
        }
        finally
        {
            if (value != null)
            {
                var api = OrtEnvironment.Api;
                OrtException.ThrowIfFailed(api.AllocatorFree(OrtEnvironment.Instance.DefaultAllocator, value));
            }
        }
    }
}
