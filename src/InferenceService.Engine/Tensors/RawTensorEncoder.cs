using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// Writes output tensors as raw bytes, the layout <see cref="RawTensorDecoder"/> reads (the binary tensor data
/// extension's and gRPC's <c>raw_output_contents</c>): fixed-size elements as ONNX Runtime holds them, written from its
/// memory without converting anything; BYTES as each element's UTF-8 length in 4 little-endian bytes, then its bytes.
/// </summary>
public static class RawTensorEncoder
{
    /// <summary>The number of bytes <see cref="Write(IBufferWriter{byte}, OutputTensor)"/> writes for <paramref name="value"/>.</summary>
    public static long ByteLength(OutputTensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.ElementType != TensorElementType.String)
        {
            return value.GetRawBytes().Length;
        }
        return ByteLength(value.GetStrings());
    }

    /// <summary>
    /// The bytes of a fixed-size tensor in ONNX Runtime's memory, as they go out (valid while the result that holds the
    /// tensor is not disposed); false for BYTES, which must be written with <see cref="Write(IBufferWriter{byte}, OutputTensor)"/>.
    /// </summary>
    public static bool TryGetBytes(OutputTensor value, out ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.ElementType == TensorElementType.String || TensorElementTypes.SizeOf(value.ElementType) == 0)
        {
            bytes = default;
            return false;
        }
        bytes = value.GetRawBytes();
        return true;
    }

    /// <summary>Writes <paramref name="value"/>'s raw bytes to <paramref name="writer"/>.</summary>
    /// <exception cref="NotSupportedException">The element type has no raw form here.</exception>
    public static void Write(IBufferWriter<byte> writer, OutputTensor value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (TryGetBytes(value, out var bytes))
        {
            writer.Write(bytes);
            return;
        }
        if (value.ElementType != TensorElementType.String)
        {
            throw new NotSupportedException($"Tensors of {TensorDataType.DisplayName(value.ElementType)} have no raw form.");
        }
        WriteStrings(writer, value.GetStrings());
    }

    /// <summary>The bytes <see cref="WriteStrings"/> writes for <paramref name="values"/>.</summary>
    public static long ByteLength(ReadOnlySpan<string> values)
    {
        long length = 0;
        foreach (var element in values)
        {
            length += RawTensorDecoder.LengthPrefixSize + Encoding.UTF8.GetByteCount(element);
        }
        return length;
    }

    /// <summary>Writes BYTES elements (a tensor's, or strings made from one, as classifications are) in the raw layout.</summary>
    public static void WriteStrings(IBufferWriter<byte> writer, ReadOnlySpan<string> values)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var element in values)
        {
            var length = Encoding.UTF8.GetByteCount(element);
            var span = writer.GetSpan(RawTensorDecoder.LengthPrefixSize + length);
            BinaryPrimitives.WriteInt32LittleEndian(span, length);
            Encoding.UTF8.GetBytes(element, span[RawTensorDecoder.LengthPrefixSize..]);
            writer.Advance(RawTensorDecoder.LengthPrefixSize + length);
        }
    }

    /// <summary>Writes <paramref name="value"/>'s raw bytes into a new array (for a protobuf field, a test).</summary>
    public static byte[] ToArray(OutputTensor value)
    {
        var buffer = new ArrayBufferWriter<byte>((int)Math.Max(1, ByteLength(value)));
        Write(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }
}
