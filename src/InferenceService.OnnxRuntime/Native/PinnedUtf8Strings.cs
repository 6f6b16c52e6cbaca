using System.Runtime.CompilerServices;
using System.Text;

namespace InferenceService.OnnxRuntime.Native;

/// <summary>
/// A list of strings as the C API takes them (<c>const char* const*</c>): all encoded, null-terminated, into one
/// buffer on the pinned object heap, with an array of pointers into it. Pinned arrays never move, so nothing has to
/// be freed or unpinned: the garbage collector reclaims both once this object is unreachable.
/// </summary>
internal sealed unsafe class PinnedUtf8Strings
{
    private readonly byte[] _bytes;
    private readonly IntPtr[] _pointers;

    public PinnedUtf8Strings(ReadOnlySpan<string> values)
    {
        var total = 0;
        foreach (var value in values)
        {
            total = checked(total + Encoding.UTF8.GetByteCount(value) + 1);
        }
        _bytes = GC.AllocateUninitializedArray<byte>(Math.Max(total, 1), pinned: true);
        _pointers = GC.AllocateUninitializedArray<IntPtr>(Math.Max(values.Length, 1), pinned: true);

        var offset = 0;
        var basePointer = (byte*)Unsafe.AsPointer(ref _bytes[0]);
        for (var i = 0; i < values.Length; i++)
        {
            _pointers[i] = (IntPtr)(basePointer + offset);
            offset += Encoding.UTF8.GetBytes(values[i], _bytes.AsSpan(offset));
            _bytes[offset++] = 0;
        }
        Count = values.Length;
    }

    public int Count { get; }

    /// <summary>The <c>const char* const*</c> to hand to ONNX Runtime; valid while this object is reachable.</summary>
    public byte** Pointers => (byte**)Unsafe.AsPointer(ref _pointers[0]);
}
