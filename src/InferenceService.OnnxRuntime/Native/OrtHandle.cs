using System.Runtime.InteropServices;

namespace InferenceService.OnnxRuntime.Native;

/// <summary>
/// Owns one native ONNX Runtime object and releases it exactly once with the API's matching <c>Release…</c>
/// function, even when its owner is never disposed (the finalizer of <see cref="SafeHandle"/>).
/// </summary>
internal sealed unsafe class OrtHandle : SafeHandle
{
    private readonly delegate* unmanaged<IntPtr, void> _release;

    public OrtHandle(IntPtr handle, delegate* unmanaged<IntPtr, void> release)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        _release = release;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        _release(handle);
        return true;
    }
}
