using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Serving;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// Decodes inputs sent as raw bytes: the layout of the binary tensor data extension over HTTP and of
/// <c>raw_input_contents</c> over gRPC. Elements are little-endian, in row-major order, with no padding: fixed-size
/// types (FP16 and BF16 included) as their bits, BOOL as one byte (0 or 1), BYTES as each element's length in 4
/// little-endian bytes followed by its bytes (UTF-8 text, since ONNX models hold BYTES as strings).
/// <para>
/// Two steps, as for JSON: <see cref="Measure"/> checks the byte count against the shape and datatype before anything is
/// rented, so a request is checked whole against its model first; <see cref="Decode(string, TensorElementType, ReadOnlyMemory{byte}, in RawTensorLayout)"/> then makes the tensor. A
/// fixed-size tensor borrows the caller's memory when it is aligned for the element type (no copy at all) and is
/// copied once into a pooled buffer when it is not; BYTES elements become strings.
/// </para>
/// Every client mistake throws <see cref="InferenceException"/> (<see cref="InferenceErrorKind.InvalidInput"/>) naming
/// the input and what the bytes hold against what the shape needs.
/// </summary>
public static class RawTensorDecoder
{
    /// <summary>The size of a BYTES element's length prefix.</summary>
    public const int LengthPrefixSize = 4;

    /// <summary>
    /// Checks that <paramref name="data"/> holds exactly the elements of <paramref name="shape"/> of
    /// <paramref name="type"/>: for a fixed-size type, element count × element size bytes; for BYTES, as many
    /// length-prefixed elements as the shape holds, each within the data, and nothing after the last.
    /// </summary>
    /// <exception cref="InferenceException">The shape is invalid or the bytes do not fit it.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not a type the server serves.</exception>
    public static RawTensorLayout Measure(string name, TensorElementType type, long[] shape, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        RequireSupported(type);
        var count = TensorShapes.ElementCount(name, shape);
        if (type == TensorElementType.String)
        {
            MeasureStrings(name, shape, count, data);
            return new RawTensorLayout(shape, count, data.Length);
        }
        var size = TensorElementTypes.SizeOf(type);
        // Compared in 128 bits: a shape's count times the element size can pass 64 bits while the count alone fits.
        var expected = (Int128)count * size;
        if (expected != data.Length)
        {
            throw InferenceException.InvalidInput(
                $"Input '{name}' has shape {TensorShapes.Format(shape)} of {TensorDataType.DisplayName(type)}, which takes {Bytes(expected)} ({Elements(count)} of {size}), but {Bytes(data.Length)} {(data.Length == 1 ? "was" : "were")} given.");
        }
        return new RawTensorLayout(shape, count, TensorShapes.ByteLength(name, count, size));
    }

    /// <summary>
    /// The second step: the tensor of <paramref name="data"/>, checked by <see cref="Measure"/> into
    /// <paramref name="layout"/>. A fixed-size tensor over memory aligned for its element type borrows that memory (it
    /// must then stay unchanged, and alive, until the tensor is disposed); otherwise its bytes are copied once into a
    /// pooled buffer. BOOL bytes other than 0 and 1 are refused, and BYTES elements that are not UTF-8 text or hold the
    /// NUL character.
    /// </summary>
    /// <exception cref="InferenceException">An element is not a value of <paramref name="type"/>.</exception>
    public static InputTensor Decode(string name, TensorElementType type, ReadOnlyMemory<byte> data, in RawTensorLayout layout)
    {
        ArgumentNullException.ThrowIfNull(name);
        RequireSupported(type);
        if (data.Length != layout.ByteLength)
        {
            throw new ArgumentException("The data is not the data the layout was measured from.", nameof(data));
        }
        if (type == TensorElementType.String)
        {
            return InputTensor.FromStrings(name, ReadStrings(name, data.Span, layout.ElementCount), layout.Shape);
        }
        if (type == TensorElementType.Bool)
        {
            CheckBooleans(name, data.Span);
        }
        if (InputTensor.TryBorrow(name, type, layout.Shape, MemoryMarshal.AsMemory(data)) is { } borrowed)
        {
            return borrowed;
        }
        var tensor = InputTensor.Rent(name, type, layout.Shape);
        data.Span.CopyTo(tensor.Data.Span);
        return tensor;
    }

    /// <summary>Both steps at once, for a caller that checks nothing in between.</summary>
    /// <exception cref="InferenceException">The bytes are not a tensor of <paramref name="type"/> and <paramref name="shape"/>.</exception>
    public static InputTensor Decode(string name, TensorElementType type, long[] shape, ReadOnlyMemory<byte> data) =>
        Decode(name, type, data, Measure(name, type, shape, data.Span));

    private static void RequireSupported(TensorElementType type)
    {
        if (!TensorElementTypes.IsSupported(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "The element type cannot be decoded from raw bytes.");
        }
    }

    private static void MeasureStrings(string name, long[] shape, long count, ReadOnlySpan<byte> data)
    {
        var offset = 0;
        long found = 0;
        while (offset < data.Length)
        {
            if (data.Length - offset < LengthPrefixSize)
            {
                throw InferenceException.InvalidInput(
                    $"Input '{name}' (BYTES) element {found} is cut short: its 4-byte length needs {LengthPrefixSize} bytes at byte {offset}, but only {Remaining(data.Length - offset)}.");
            }
            var length = BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
            offset += LengthPrefixSize;
            if (length > (uint)(data.Length - offset))
            {
                throw InferenceException.InvalidInput(
                    $"Input '{name}' (BYTES) element {found} says it has {Bytes(length)}, but only {Remaining(data.Length - offset)}.");
            }
            offset += (int)length;
            found++;
        }
        if (found != count)
        {
            throw InferenceException.InvalidInput(
                $"Input '{name}' has shape {TensorShapes.Format(shape)}, which holds {Elements(count)}, but its {Bytes(data.Length)} of BYTES hold {found} length-prefixed {(found == 1 ? "element" : "elements")}.");
        }
    }

    private static string[] ReadStrings(string name, ReadOnlySpan<byte> data, long count)
    {
        var strings = count == 0 ? [] : new string[count];
        var offset = 0;
        for (var i = 0; i < strings.Length; i++)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
            offset += LengthPrefixSize;
            var bytes = data.Slice(offset, length);
            offset += length;
            if (bytes.Contains((byte)0))
            {
                throw InferenceException.InvalidInput($"Input '{name}' element {i}: contains the NUL byte, which BYTES tensors cannot hold.");
            }
            if (!System.Text.Unicode.Utf8.IsValid(bytes))
            {
                throw InferenceException.InvalidInput($"Input '{name}' element {i}: is not UTF-8 text, which BYTES tensors of ONNX models hold.");
            }
            strings[i] = Encoding.UTF8.GetString(bytes);
        }
        return strings;
    }

    private static void CheckBooleans(string name, ReadOnlySpan<byte> data)
    {
        // One vectorized search for the first byte that is neither 0 nor 1.
        var bad = data.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
        {
            throw InferenceException.InvalidInput($"Input '{name}' element {bad}: the byte {data[bad]} is not a BOOL (0 or 1).");
        }
    }

    private static string Remaining(long count) => count == 1 ? "1 byte remains" : $"{count} bytes remain";

    private static string Bytes(Int128 count) => count == 1 ? "1 byte" : $"{count} bytes";

    private static string Elements(long count) => count == 1 ? "1 element" : $"{count} elements";
}
