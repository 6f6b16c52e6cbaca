using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// Writes output tensors as JSON, read in place from ONNX Runtime's memory (no copy into managed arrays, except
/// strings, which must be decoded from UTF-8 anyway).
/// <para>
/// Element forms: FP32 and FP64 as JSON numbers in the shortest text that reads back to the same value; FP16 and
/// BF16 as the shortest text of their exact value as a float (reads back exactly, and means the same to a client
/// parsing into float or double); NaN, Infinity and -Infinity as the strings <c>"NaN"</c>, <c>"Infinity"</c>,
/// <c>"-Infinity"</c> (which <see cref="JsonTensorDecoder"/> accepts); integers exactly, UINT64 and INT64 included;
/// BOOL as <c>true</c>/<c>false</c>; BYTES as JSON strings.
/// </para>
/// </summary>
public static class JsonTensorEncoder
{
    // Ranks up to this keep the shape on the stack.
    private const int StackRank = 16;

    /// <summary>
    /// Writes <paramref name="value"/> as arrays nested in its shape: [2, 3] as <c>[[a, b, c], [d, e, f]]</c>,
    /// [2, 0] as <c>[[], []]</c>, and a rank-0 tensor as a bare scalar.
    /// </summary>
    /// <exception cref="NotSupportedException">The tensor's element type cannot be written as JSON.</exception>
    public static void WriteNested(Utf8JsonWriter writer, OutputTensor value) => Write(writer, value, nested: true);

    /// <summary>
    /// Writes <paramref name="value"/> as one flat array in row-major order (the Open Inference Protocol's
    /// <c>data</c>), a rank-0 tensor included (as a one-element array).
    /// </summary>
    /// <exception cref="NotSupportedException">The tensor's element type cannot be written as JSON.</exception>
    public static void WriteFlat(Utf8JsonWriter writer, OutputTensor value) => Write(writer, value, nested: false);

    /// <summary>
    /// Writes the element at row-major position <paramref name="index"/> as a single JSON value (for a class index or
    /// a score beside a label, say). For BYTES tensors this decodes every string of the tensor, so write several of
    /// their elements from one <see cref="OutputTensor.GetStrings"/> instead.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the tensor.</exception>
    /// <exception cref="NotSupportedException">The tensor's element type cannot be written as JSON.</exception>
    public static void WriteElement(Utf8JsonWriter writer, OutputTensor value, long index)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, value.ElementCount);
        var i = (int)index;
        switch (value.ElementType)
        {
            case TensorElementType.Float: SingleWriter.Write(writer, value.GetTensorData<float>()[i]); break;
            case TensorElementType.Double: DoubleWriter.Write(writer, value.GetTensorData<double>()[i]); break;
            case TensorElementType.Float16: HalfWriter.Write(writer, value.GetTensorData<Half>()[i]); break;
            case TensorElementType.BFloat16: BFloat16Writer.Write(writer, value.GetTensorData<BFloat16>()[i]); break;
            case TensorElementType.Int8: SByteWriter.Write(writer, value.GetTensorData<sbyte>()[i]); break;
            case TensorElementType.Int16: Int16Writer.Write(writer, value.GetTensorData<short>()[i]); break;
            case TensorElementType.Int32: Int32Writer.Write(writer, value.GetTensorData<int>()[i]); break;
            case TensorElementType.Int64: Int64Writer.Write(writer, value.GetTensorData<long>()[i]); break;
            case TensorElementType.UInt8: ByteWriter.Write(writer, value.GetTensorData<byte>()[i]); break;
            case TensorElementType.UInt16: UInt16Writer.Write(writer, value.GetTensorData<ushort>()[i]); break;
            case TensorElementType.UInt32: UInt32Writer.Write(writer, value.GetTensorData<uint>()[i]); break;
            case TensorElementType.UInt64: UInt64Writer.Write(writer, value.GetTensorData<ulong>()[i]); break;
            case TensorElementType.Bool: BooleanWriter.Write(writer, value.GetTensorData<bool>()[i]); break;
            case TensorElementType.String: StringWriter.Write(writer, value.GetStrings()[i]); break;
            default: throw Unsupported(value.ElementType);
        }
    }

    /// <summary>
    /// Writes row <paramref name="row"/> of <paramref name="value"/> (its first dimension) without that dimension: a
    /// [batch] tensor's row as a bare scalar, a [batch, 3] tensor's row as <c>[a, b, c]</c> (a batch job's output).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is outside the tensor, or it has no rows.</exception>
    /// <exception cref="NotSupportedException">The tensor's element type cannot be written as JSON.</exception>
    public static void WriteRow(Utf8JsonWriter writer, OutputTensor value, long row)
    {
        ArgumentNullException.ThrowIfNull(value);
        var strings = value.ElementType == TensorElementType.String;
        WriteRow(writer, value.ElementType, strings ? default : value.GetRawBytes(), strings ? value.GetStrings() : default, value.Shape, row);
    }

    /// <summary>
    /// As <see cref="WriteRow(Utf8JsonWriter, OutputTensor, long)"/>, over elements already read out of the tensor:
    /// <paramref name="bytes"/> for a fixed-size type, <paramref name="strings"/> for BYTES (a batch job reads each
    /// output once per batch, not once per row).
    /// </summary>
    internal static void WriteRow(Utf8JsonWriter writer, TensorElementType type, ReadOnlySpan<byte> bytes, ReadOnlySpan<string> strings, IReadOnlyList<long> declared, long row)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (declared.Count == 0 || row < 0 || row >= declared[0])
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, "The tensor has no such row.");
        }
        Span<long> shape = declared.Count <= StackRank ? stackalloc long[declared.Count - 1] : new long[declared.Count - 1];
        var length = 1L;
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = declared[i + 1];
            length *= shape[i];
        }
        var start = (int)(row * length);
        var count = (int)length;
        switch (type)
        {
            case TensorElementType.Float: Write<float, SingleWriter>(writer, Elements<float>(bytes, start, count), shape); break;
            case TensorElementType.Double: Write<double, DoubleWriter>(writer, Elements<double>(bytes, start, count), shape); break;
            case TensorElementType.Float16: Write<Half, HalfWriter>(writer, Elements<Half>(bytes, start, count), shape); break;
            case TensorElementType.BFloat16: Write<BFloat16, BFloat16Writer>(writer, Elements<BFloat16>(bytes, start, count), shape); break;
            case TensorElementType.Int8: Write<sbyte, SByteWriter>(writer, Elements<sbyte>(bytes, start, count), shape); break;
            case TensorElementType.Int16: Write<short, Int16Writer>(writer, Elements<short>(bytes, start, count), shape); break;
            case TensorElementType.Int32: Write<int, Int32Writer>(writer, Elements<int>(bytes, start, count), shape); break;
            case TensorElementType.Int64: Write<long, Int64Writer>(writer, Elements<long>(bytes, start, count), shape); break;
            case TensorElementType.UInt8: Write<byte, ByteWriter>(writer, Elements<byte>(bytes, start, count), shape); break;
            case TensorElementType.UInt16: Write<ushort, UInt16Writer>(writer, Elements<ushort>(bytes, start, count), shape); break;
            case TensorElementType.UInt32: Write<uint, UInt32Writer>(writer, Elements<uint>(bytes, start, count), shape); break;
            case TensorElementType.UInt64: Write<ulong, UInt64Writer>(writer, Elements<ulong>(bytes, start, count), shape); break;
            case TensorElementType.Bool: Write<bool, BooleanWriter>(writer, Elements<bool>(bytes, start, count), shape); break;
            case TensorElementType.String: Write<string, StringWriter>(writer, strings.Slice(start, count), shape); break;
            default: throw Unsupported(type);
        }
    }

    private static ReadOnlySpan<T> Elements<T>(ReadOnlySpan<byte> bytes, int start, int count) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).Slice(start, count);

    private static void Write(Utf8JsonWriter writer, OutputTensor value, bool nested)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (!nested)
        {
            // A flat array is a nested array of one dimension holding every element.
            Span<long> flat = [value.ElementCount];
            Write(writer, value, flat);
            return;
        }
        var declared = value.Shape;
        Span<long> shape = declared.Count <= StackRank ? stackalloc long[declared.Count] : new long[declared.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = declared[i];
        }
        Write(writer, value, shape);
    }

    private static void Write(Utf8JsonWriter writer, OutputTensor value, ReadOnlySpan<long> shape)
    {
        switch (value.ElementType)
        {
            case TensorElementType.Float: Write<float, SingleWriter>(writer, value.GetTensorData<float>(), shape); break;
            case TensorElementType.Double: Write<double, DoubleWriter>(writer, value.GetTensorData<double>(), shape); break;
            case TensorElementType.Float16: Write<Half, HalfWriter>(writer, value.GetTensorData<Half>(), shape); break;
            case TensorElementType.BFloat16: Write<BFloat16, BFloat16Writer>(writer, value.GetTensorData<BFloat16>(), shape); break;
            case TensorElementType.Int8: Write<sbyte, SByteWriter>(writer, value.GetTensorData<sbyte>(), shape); break;
            case TensorElementType.Int16: Write<short, Int16Writer>(writer, value.GetTensorData<short>(), shape); break;
            case TensorElementType.Int32: Write<int, Int32Writer>(writer, value.GetTensorData<int>(), shape); break;
            case TensorElementType.Int64: Write<long, Int64Writer>(writer, value.GetTensorData<long>(), shape); break;
            case TensorElementType.UInt8: Write<byte, ByteWriter>(writer, value.GetTensorData<byte>(), shape); break;
            case TensorElementType.UInt16: Write<ushort, UInt16Writer>(writer, value.GetTensorData<ushort>(), shape); break;
            case TensorElementType.UInt32: Write<uint, UInt32Writer>(writer, value.GetTensorData<uint>(), shape); break;
            case TensorElementType.UInt64: Write<ulong, UInt64Writer>(writer, value.GetTensorData<ulong>(), shape); break;
            case TensorElementType.Bool: Write<bool, BooleanWriter>(writer, value.GetTensorData<bool>(), shape); break;
            case TensorElementType.String: Write<string, StringWriter>(writer, value.GetStrings(), shape); break;
            default: throw Unsupported(value.ElementType);
        }
    }

    /// <summary>Writes <paramref name="data"/> (exactly the elements of <paramref name="shape"/>) nested in that shape.</summary>
    private static void Write<T, TWriter>(Utf8JsonWriter writer, ReadOnlySpan<T> data, ReadOnlySpan<long> shape)
        where TWriter : IJsonElementWriter<T>
    {
        if (shape.IsEmpty)
        {
            TWriter.Write(writer, data[0]);
            return;
        }
        if (shape.Length == 1 && TWriter.TryWriteArray(writer, data))
        {
            return;
        }
        writer.WriteStartArray();
        if (shape.Length == 1)
        {
            foreach (var element in data)
            {
                TWriter.Write(writer, element);
            }
        }
        else
        {
            var inner = shape[1..];
            var rowLength = (int)data.Length / (int)Math.Max(1, shape[0]);
            for (var row = 0; row < shape[0]; row++)
            {
                Write<T, TWriter>(writer, data.Slice(row * rowLength, rowLength), inner);
            }
        }
        writer.WriteEndArray();
    }

    private static NotSupportedException Unsupported(TensorElementType type) =>
        new($"Tensors of {TensorDataType.DisplayName(type)} cannot be written as JSON.");
}
