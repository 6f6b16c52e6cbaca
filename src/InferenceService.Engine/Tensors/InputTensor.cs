using System.Buffers;
using System.Runtime.InteropServices;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// One decoded request input: its name, element type, shape and elements, ready to hand to ONNX Runtime.
/// <para>
/// Fixed-size elements live in a buffer rented from <see cref="ArrayPool{T}.Shared"/>, exposed as exactly
/// <see cref="ElementCount"/> × element size bytes in <see cref="Data"/>; strings (<c>BYTES</c>) live in
/// <see cref="Strings"/>. <see cref="CreateOrtValue"/> wraps the buffer without copying it, so the order of disposal
/// matters: dispose every <see cref="OrtValue"/> created from this tensor first, then this tensor, which returns the
/// buffer to the pool. Disposing this first would let another request overwrite memory ONNX Runtime may still read.
/// </para>
/// </summary>
public sealed class InputTensor : IDisposable
{
    private byte[]? _buffer;
    private GCHandle _pin;
    private readonly int _byteLength;
    private readonly string[]? _strings;

    // A tensor over the caller's array (raw bytes of a request body): pinned from the start, never returned to a pool.
    private Memory<byte> _borrowed;
    private IntPtr _borrowedAddress;
    private bool _isBorrowed;

    private InputTensor(string name, TensorElementType elementType, long[] shape, long elementCount, byte[]? buffer, int byteLength, string[]? strings)
    {
        Name = name;
        ElementType = elementType;
        Shape = shape;
        ElementCount = elementCount;
        _buffer = buffer;
        _byteLength = byteLength;
        _strings = strings;
    }

    /// <summary>The input's name, as the request gave it.</summary>
    public string Name { get; }

    /// <summary>The element type the data was decoded as.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>The dimensions; empty for a scalar.</summary>
#pragma warning disable CA1819 // The shape is handed to ONNX Runtime as a span; an array is what it is.
    public long[] Shape { get; }
#pragma warning restore CA1819

    /// <summary>The number of elements (the product of <see cref="Shape"/>).</summary>
    public long ElementCount { get; }

    /// <summary>
    /// The elements of a fixed-size type as little-endian bytes, exactly <see cref="ElementCount"/> × element size
    /// long; empty for strings. Valid until <see cref="Dispose"/>.
    /// </summary>
    public Memory<byte> Data
    {
        get
        {
            if (_strings is not null)
            {
                return Memory<byte>.Empty;
            }
            if (_isBorrowed)
            {
                ObjectDisposedException.ThrowIf(!_pin.IsAllocated, this);
                return _borrowed;
            }
            ObjectDisposedException.ThrowIf(_buffer is null, this);
            return _buffer.AsMemory(0, _byteLength);
        }
    }

    /// <summary>The elements of a string (<c>BYTES</c>) tensor; <see langword="null"/> for fixed-size types.</summary>
#pragma warning disable CA1819 // ONNX Runtime's string tensor factory takes the array as it is.
    public string[]? Strings => _strings;
#pragma warning restore CA1819

    /// <summary>
    /// A buffer for <paramref name="shape"/> elements of <paramref name="elementType"/>, rented and left for the caller
    /// to fill through <see cref="Data"/> or <see cref="GetData{T}"/> (for inputs that arrive as raw bytes). Its
    /// contents are whatever the pool's last user left, so every byte must be written before the tensor is used. The
    /// shape is checked first: a negative dimension or an element count that overflows is the client's mistake.
    /// </summary>
    /// <exception cref="InferenceException">The shape is invalid or too large.</exception>
    /// <exception cref="ArgumentException"><paramref name="elementType"/> is not a fixed-size type.</exception>
    public static InputTensor Rent(string name, TensorElementType elementType, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        var size = TensorElementTypes.SizeOf(elementType);
        if (size == 0)
        {
            throw new ArgumentException($"{elementType} is not a fixed-size element type.", nameof(elementType));
        }
        var count = TensorShapes.ElementCount(name, shape);
        var byteLength = TensorShapes.ByteLength(name, count, size);
        return new InputTensor(name, elementType, shape, count, ArrayPool<byte>.Shared.Rent(byteLength), byteLength, null);
    }

    /// <summary>
    /// A tensor over <paramref name="memory"/> itself, without copying, when its address is aligned for
    /// <paramref name="elementType"/> (null otherwise: copy it into <see cref="Rent"/>'s buffer then). The memory is
    /// pinned until this tensor is disposed and must hold exactly the shape's elements, stay alive and unchanged until
    /// then (the request body it lies in is disposed after the request's tensors).
    /// </summary>
    /// <exception cref="InferenceException">The shape is invalid or too large.</exception>
    /// <exception cref="ArgumentException"><paramref name="elementType"/> is not a fixed-size type, or the memory's length is not the shape's.</exception>
    public static InputTensor? TryBorrow(string name, TensorElementType elementType, long[] shape, Memory<byte> memory)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        var size = TensorElementTypes.SizeOf(elementType);
        if (size == 0)
        {
            throw new ArgumentException($"{elementType} is not a fixed-size element type.", nameof(elementType));
        }
        var count = TensorShapes.ElementCount(name, shape);
        var byteLength = TensorShapes.ByteLength(name, count, size);
        if (memory.Length != byteLength)
        {
            throw new ArgumentException($"The shape takes {byteLength} bytes, but the memory has {memory.Length}.", nameof(memory));
        }
        // Only an array can be pinned by a handle of ours (and array-backed memory is what request bodies are).
        if (!MemoryMarshal.TryGetArray<byte>(memory, out var segment) || segment.Array is null)
        {
            return null;
        }
        var pin = GCHandle.Alloc(segment.Array, GCHandleType.Pinned);
        var address = pin.AddrOfPinnedObject() + segment.Offset;
        if (address % size != 0)
        {
            pin.Free();
            return null;
        }
        return new InputTensor(name, elementType, shape, count, null, byteLength, null)
        {
            _pin = pin,
            _borrowed = memory,
            _borrowedAddress = address,
            _isBorrowed = true,
        };
    }

    /// <summary>Whether the elements lie in the caller's memory (<see cref="TryBorrow"/>) rather than a pooled buffer.</summary>
    public bool IsBorrowed => _isBorrowed;

    /// <summary>A string (<c>BYTES</c>) tensor over <paramref name="values"/>, which must hold exactly the shape's element count.</summary>
    /// <exception cref="InferenceException">The shape is invalid.</exception>
    /// <exception cref="ArgumentException">The number of values does not match the shape.</exception>
    public static InputTensor FromStrings(string name, string[] values, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        var count = TensorShapes.ElementCount(name, shape);
        if (count != values.Length)
        {
            throw new ArgumentException($"The shape {TensorShapes.Format(shape)} holds {count} elements, but {values.Length} strings were given.", nameof(values));
        }
        return new InputTensor(name, TensorElementType.String, shape, count, null, 0, values);
    }

    /// <summary>The elements viewed as <typeparamref name="T"/>, which must be the element type's .NET type.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> does not match <see cref="ElementType"/>.</exception>
    public Span<T> GetData<T>() where T : unmanaged
    {
        var expected = TensorElementTypes.Of<T>();
        if (expected != ElementType)
        {
            throw new InvalidOperationException($"The tensor holds {ElementType} elements, not {expected}.");
        }
        return MemoryMarshal.Cast<byte, T>(Data.Span);
    }

    /// <summary>
    /// An ONNX Runtime tensor over this input. Fixed-size data is wrapped in place, without copying: the buffer is
    /// pinned on the first call and stays pinned until this tensor is disposed, which must happen after every returned
    /// value is disposed. Strings are copied into memory ONNX Runtime owns (string tensors cannot borrow memory).
    /// </summary>
    public OrtValue CreateOrtValue()
    {
        if (_strings is not null)
        {
            return OrtValueExtensions.CreateStringTensor(_strings, Shape);
        }
        if (_isBorrowed)
        {
            ObjectDisposedException.ThrowIf(!_pin.IsAllocated, this);
            return OrtValueExtensions.CreateTensorOver(_borrowedAddress, _byteLength, ElementType, Shape);
        }
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        if (!_pin.IsAllocated)
        {
            _pin = GCHandle.Alloc(_buffer, GCHandleType.Pinned);
        }
        return OrtValueExtensions.CreateTensorOver(_pin.AddrOfPinnedObject(), _byteLength, ElementType, Shape);
    }

    /// <summary>
    /// Unpins the buffer and returns it to the pool. Every <see cref="OrtValue"/> created by <see cref="CreateOrtValue"/>
    /// must be disposed before this is called. Calling it twice is harmless.
    /// </summary>
    public void Dispose()
    {
        if (_isBorrowed)
        {
            // Not the pool's: only the pin is ours to undo.
            if (_pin.IsAllocated)
            {
                _pin.Free();
            }
            _borrowed = Memory<byte>.Empty;
            return;
        }
        var buffer = _buffer;
        _buffer = null;
        if (_pin.IsAllocated)
        {
            _pin.Free();
        }
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
