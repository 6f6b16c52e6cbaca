using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using InferenceService.OnnxRuntime.Native;

namespace InferenceService.OnnxRuntime;

/// <summary>
/// A tensor that ONNX Runtime can read or has written: a native <c>OrtValue</c>.
/// <para>
/// Ownership: an <see cref="OrtValue"/> owns its native value and releases it on <see cref="Dispose"/> (or, late, when
/// finalized). A tensor created over caller memory (<see cref="CreateTensor{T}(Memory{T}, ReadOnlySpan{long})"/>)
/// does not copy it: the memory stays pinned and must not be reused (returned to a pool, say) until this object is
/// disposed, which releases the native value first and unpins second (after the last run using the value returns,
/// if one is in flight; or when the finalizer runs, if the value is never disposed). Outputs returned by
/// <see cref="InferenceSession.Run(ReadOnlySpan{string}, ReadOnlySpan{OrtValue}, ReadOnlySpan{string}, RunOptions?, CancellationToken)"/>
/// own memory ONNX Runtime allocated; spans read from them are valid until disposal.
/// </para>
/// </summary>
public sealed unsafe class OrtValue : IDisposable
{
    private readonly OrtHandle _handle;
    private TensorElementType _elementType;
    private long[]? _shape;
    private long _elementCount;

    private OrtValue(IntPtr value, MemoryHandle pin)
    {
        // The handle owns the pin: it is released with the native value, never before it.
        _handle = new OrtHandle(value, OrtEnvironment.Api.ReleaseValue, pin);
    }

    internal static OrtValue FromNative(IntPtr value) => new(value, default);

    internal OrtHandle Handle => _handle;

    /// <summary>A tensor over <paramref name="data"/>, without copying it (see the ownership rules above).</summary>
    public static OrtValue CreateTensor<T>(Memory<T> data, ReadOnlySpan<long> shape) where T : unmanaged =>
        CreatePinned(TensorElementTypes.Of<T>(), data.Pin(), (long)data.Length * sizeof(T), shape);

    /// <summary>A tensor of <paramref name="type"/> over raw little-endian bytes, without copying them.</summary>
    public static OrtValue CreateTensor(TensorElementType type, Memory<byte> data, ReadOnlySpan<long> shape) =>
        CreatePinned(type, data.Pin(), data.Length, shape);

    /// <summary>
    /// A tensor over memory the caller has pinned or allocated natively and keeps alive until this value is disposed.
    /// </summary>
    public static OrtValue CreateTensor(TensorElementType type, void* data, long byteLength, ReadOnlySpan<long> shape) =>
        CreatePinned(type, new MemoryHandle(data), byteLength, shape);

    /// <summary>A tensor whose memory ONNX Runtime allocates, to be filled through <see cref="GetTensorMutableData{T}"/>.</summary>
    public static OrtValue CreateTensor(TensorElementType type, ReadOnlySpan<long> shape)
    {
        RequireFixedSize(type);
        CheckedElementCount(shape);
        return CreateAllocated(type, shape);
    }

    /// <summary>
    /// A string tensor; the strings are copied into memory ONNX Runtime owns. The C API takes NUL-terminated strings,
    /// so a string containing U+0000 is refused rather than cut short.
    /// </summary>
    public static OrtValue CreateStringTensor(ReadOnlySpan<string> values, ReadOnlySpan<long> shape)
    {
        var count = CheckedElementCount(shape);
        if (count != values.Length)
        {
            throw new ArgumentException($"The shape [{string.Join(", ", shape.ToArray())}] holds {count} elements, but {values.Length} strings were given.", nameof(values));
        }
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is null)
            {
                throw new ArgumentException($"String {i} is null.", nameof(values));
            }
            if (values[i].Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"String {i} contains a NUL character; ONNX Runtime would cut the string there.", nameof(values));
            }
        }
        var value = CreateAllocated(TensorElementType.String, shape);
        if (values.Length > 0)
        {
            try
            {
                var strings = new PinnedUtf8Strings(values);
                OrtException.ThrowIfFailed(OrtEnvironment.Api.FillStringTensor(value._handle.DangerousGetHandle(), strings.Pointers, (nuint)strings.Count));
                GC.KeepAlive(strings);
            }
            catch
            {
                value.Dispose();
                throw;
            }
        }
        return value;
    }

    /// <summary>The element type of this tensor.</summary>
    public TensorElementType ElementType
    {
        get
        {
            EnsureTypeAndShape();
            return _elementType;
        }
    }

    /// <summary>The dimensions of this tensor.</summary>
    public IReadOnlyList<long> Shape
    {
        get
        {
            EnsureTypeAndShape();
            return _shape!;
        }
    }

    /// <summary>The number of elements (the product of the dimensions).</summary>
    public long ElementCount
    {
        get
        {
            EnsureTypeAndShape();
            return _elementCount;
        }
    }

    /// <summary>The elements, read in place (no copy). Valid until this value is disposed.</summary>
    public ReadOnlySpan<T> GetTensorData<T>() where T : unmanaged => GetTensorMutableData<T>();

    /// <summary>The elements, writable in place. Valid until this value is disposed.</summary>
    public Span<T> GetTensorMutableData<T>() where T : unmanaged
    {
        var expected = TensorElementTypes.Of<T>();
        if (ElementType != expected)
        {
            throw new InvalidOperationException($"The tensor holds {ElementType} elements, not {expected}.");
        }
        return new Span<T>(DataPointer(), checked((int)_elementCount));
    }

    /// <summary>The raw little-endian bytes of a fixed-size tensor, read in place. Valid until this value is disposed.</summary>
    public ReadOnlySpan<byte> GetTensorBytes()
    {
        var size = RequireFixedSize(ElementType);
        return new ReadOnlySpan<byte>(DataPointer(), checked((int)(_elementCount * size)));
    }

    /// <summary>The elements of a string tensor, decoded from UTF-8.</summary>
    public string[] GetStrings()
    {
        if (ElementType != TensorElementType.String)
        {
            throw new InvalidOperationException($"The tensor holds {ElementType} elements, not strings.");
        }
        var api = OrtEnvironment.Api;
        var count = checked((int)_elementCount);
        var result = new string[count];
        if (count == 0)
        {
            return result;
        }
        var value = _handle.DangerousGetHandle();
        nuint byteLength;
        OrtException.ThrowIfFailed(api.GetStringTensorDataLength(value, &byteLength));
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(1, checked((int)byteLength)));
        var offsets = ArrayPool<nuint>.Shared.Rent(count);
        try
        {
            fixed (byte* b = bytes)
            fixed (nuint* o = offsets)
            {
                OrtException.ThrowIfFailed(api.GetStringTensorContent(value, b, byteLength, o, (nuint)count));
            }
            for (var i = 0; i < count; i++)
            {
                var start = (int)offsets[i];
                var end = i + 1 < count ? (int)offsets[i + 1] : (int)byteLength;
                result[i] = Encoding.UTF8.GetString(bytes, start, end - start);
            }
            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<nuint>.Shared.Return(offsets);
        }
    }

    /// <summary>
    /// Releases the native value, then unpins the caller's memory it pointed at. If a run is still using the value,
    /// both happen when that run returns.
    /// </summary>
    public void Dispose() => _handle.Dispose();

    private void* DataPointer()
    {
        void* data;
        OrtException.ThrowIfFailed(OrtEnvironment.Api.GetTensorMutableData(_handle.DangerousGetHandle(), &data));
        return data;
    }

    private void EnsureTypeAndShape()
    {
        // Checked before the cached shape is used: every accessor of the data goes through here, and after disposal
        // the native value (and the memory the data pointer would point at) is gone.
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_shape is not null)
        {
            return;
        }
        var api = OrtEnvironment.Api;
        var value = _handle.DangerousGetHandle();
        int onnxType;
        OrtException.ThrowIfFailed(api.GetValueType(value, &onnxType));
        if ((OnnxValueKind)onnxType != OnnxValueKind.Tensor)
        {
            throw new NotSupportedException($"The value is a {(OnnxValueKind)onnxType}, not a tensor.");
        }
        IntPtr info;
        OrtException.ThrowIfFailed(api.GetTensorTypeAndShape(value, &info));
        try
        {
            (_elementType, var shape) = NativeTensorInfo.Read(info);
            _elementCount = CheckedElementCount(shape);
            _shape = shape;
        }
        finally
        {
            api.ReleaseTensorTypeAndShapeInfo(info);
        }
    }

    private static OrtValue CreatePinned(TensorElementType type, MemoryHandle pin, long byteLength, ReadOnlySpan<long> shape)
    {
        try
        {
            var size = RequireFixedSize(type);
            var count = CheckedElementCount(shape);
            if (checked(count * size) != byteLength)
            {
                throw new ArgumentException($"The shape [{string.Join(", ", shape.ToArray())}] of {type} needs {count * size} bytes, but {byteLength} were given.", nameof(shape));
            }
            IntPtr value;
            fixed (long* dims = shape)
            {
                OrtException.ThrowIfFailed(OrtEnvironment.Api.CreateTensorWithDataAsOrtValue(
                    OrtEnvironment.Instance.CpuMemoryInfo, pin.Pointer, (nuint)byteLength, dims, (nuint)shape.Length, (int)type, &value));
            }
            return new OrtValue(value, pin);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    private static OrtValue CreateAllocated(TensorElementType type, ReadOnlySpan<long> shape)
    {
        IntPtr value;
        fixed (long* dims = shape)
        {
            OrtException.ThrowIfFailed(OrtEnvironment.Api.CreateTensorAsOrtValue(
                OrtEnvironment.Instance.DefaultAllocator, dims, (nuint)shape.Length, (int)type, &value));
        }
        return new OrtValue(value, default);
    }

    private static int RequireFixedSize(TensorElementType type)
    {
        var size = TensorElementTypes.SizeOf(type);
        return size > 0 ? size : throw new NotSupportedException($"{type} is not a fixed-size element type.");
    }

    /// <summary>The product of the dimensions, refusing negative dimensions and overflow before anything is allocated.</summary>
    public static long CheckedElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"A tensor dimension cannot be negative ({dim}).", nameof(shape));
            }
            count = checked(count * dim);
        }
        return count;
    }
}
