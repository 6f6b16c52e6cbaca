using System.Buffers;
using System.Runtime.InteropServices;

namespace InferenceService.OnnxRuntime.Native;

/// <summary>
/// Owns one native ONNX Runtime object and releases it exactly once with the API's matching <c>Release…</c>
/// function, even when its owner is never disposed (the finalizer of <see cref="SafeHandle"/>).
/// <para>
/// It can also own the pin of managed memory the native object points into (a tensor over a caller's array). The pin
/// is released right after the native object, in the same place, so it lasts exactly as long as the native object:
/// while a run holds a reference (<see cref="SafeHandle.DangerousAddRef"/>) past the owner's Dispose, and until the
/// finalizer runs when the owner is never disposed.
/// </para>
/// </summary>
internal sealed unsafe class OrtHandle : SafeHandle
{
    private readonly delegate* unmanaged<IntPtr, void> _release;
    private MemoryHandle _pin;

    public OrtHandle(IntPtr handle, delegate* unmanaged<IntPtr, void> release, MemoryHandle pin = default)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        _release = release;
        _pin = pin;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        _release(handle);
        _pin.Dispose();
        _pin = default;
        return true;
    }
}
