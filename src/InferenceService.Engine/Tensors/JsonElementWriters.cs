using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// Writes one tensor element as JSON. Implemented by structs with a static method, like the readers, so the
/// encoder's loops are compiled per element type with the write inlined.
/// </summary>
internal interface IJsonElementWriter<T>
{
    static abstract void Write(Utf8JsonWriter writer, T value);

    /// <summary>Writes <paramref name="values"/> as one JSON array if this writer has a faster way than element by element.</summary>
    static virtual bool TryWriteArray(Utf8JsonWriter writer, ReadOnlySpan<T> values) => false;
}

internal readonly struct SingleWriter : IJsonElementWriter<float>
{
    // Up to this many elements an array is formatted whole into one buffer (a quarter of a megabyte at most, pooled).
    private const int MaxArrayElements = 16_384;

    /// <summary>
    /// The array formatted by <see cref="ShortestSingleText"/> into one buffer and written as one raw value: the same
    /// bytes the writer would write element by element, in a fraction of the time.
    /// </summary>
    public static bool TryWriteArray(Utf8JsonWriter writer, ReadOnlySpan<float> values)
    {
        if (values.Length > MaxArrayElements)
        {
            return false;
        }
        var most = 2 + (values.Length * (ShortestSingleText.MaxLength + 1));
        byte[]? rented = null;
        Span<byte> buffer = most <= 1024 ? stackalloc byte[most] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(most));
        var length = 0;
        buffer[length++] = (byte)'[';
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                buffer[length++] = (byte)',';
            }
            length += float.IsFinite(values[i]) ? ShortestSingleText.Format(values[i], buffer[length..]) : NonFinite.Format(values[i], buffer[length..]);
        }
        buffer[length++] = (byte)']';
        writer.WriteRawValue(buffer[..length], skipInputValidation: true);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
        return true;
    }

    public static void Write(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value); // the shortest text that reads back as the same float
        }
        else
        {
            NonFinite.Write(writer, value);
        }
    }
}

internal readonly struct DoubleWriter : IJsonElementWriter<double>
{
    public static void Write(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            NonFinite.Write(writer, value);
        }
    }
}

/// <summary>
/// FP16 goes out as its exact value's shortest float text (0.1 as FP16 writes 0.099975586), not half's own shortest
/// text (0.09998): a client that parses into float or double then holds the tensor's real value, and the text still
/// reads back into the same FP16.
/// </summary>
internal readonly struct HalfWriter : IJsonElementWriter<Half>
{
    public static void Write(Utf8JsonWriter writer, Half value) => SingleWriter.Write(writer, (float)value);
}

/// <summary>BF16 goes out as its exact float value, for the same reason as <see cref="HalfWriter"/>.</summary>
internal readonly struct BFloat16Writer : IJsonElementWriter<BFloat16>
{
    public static void Write(Utf8JsonWriter writer, BFloat16 value) => SingleWriter.Write(writer, (float)value);
}

internal readonly struct SByteWriter : IJsonElementWriter<sbyte>
{
    public static void Write(Utf8JsonWriter writer, sbyte value) => writer.WriteNumberValue(value);
}

internal readonly struct Int16Writer : IJsonElementWriter<short>
{
    public static void Write(Utf8JsonWriter writer, short value) => writer.WriteNumberValue(value);
}

internal readonly struct Int32Writer : IJsonElementWriter<int>
{
    public static void Write(Utf8JsonWriter writer, int value) => writer.WriteNumberValue(value);
}

internal readonly struct Int64Writer : IJsonElementWriter<long>
{
    public static void Write(Utf8JsonWriter writer, long value) => writer.WriteNumberValue(value);
}

internal readonly struct ByteWriter : IJsonElementWriter<byte>
{
    public static void Write(Utf8JsonWriter writer, byte value) => writer.WriteNumberValue(value);
}

internal readonly struct UInt16Writer : IJsonElementWriter<ushort>
{
    public static void Write(Utf8JsonWriter writer, ushort value) => writer.WriteNumberValue(value);
}

internal readonly struct UInt32Writer : IJsonElementWriter<uint>
{
    public static void Write(Utf8JsonWriter writer, uint value) => writer.WriteNumberValue(value);
}

internal readonly struct UInt64Writer : IJsonElementWriter<ulong>
{
    public static void Write(Utf8JsonWriter writer, ulong value) => writer.WriteNumberValue(value);
}

internal readonly struct BooleanWriter : IJsonElementWriter<bool>
{
    public static void Write(Utf8JsonWriter writer, bool value) => writer.WriteBooleanValue(value);
}

internal readonly struct StringWriter : IJsonElementWriter<string>
{
    public static void Write(Utf8JsonWriter writer, string value) => writer.WriteStringValue(value);
}

/// <summary>
/// NaN and the infinities, which JSON numbers cannot express, as the strings System.Text.Json's
/// AllowNamedFloatingPointLiterals uses; the decoder reads them back.
/// </summary>
internal static class NonFinite
{
    private static readonly JsonEncodedText NaN = JsonEncodedText.Encode("NaN");
    private static readonly JsonEncodedText PositiveInfinity = JsonEncodedText.Encode("Infinity");
    private static readonly JsonEncodedText NegativeInfinity = JsonEncodedText.Encode("-Infinity");

    public static void Write(Utf8JsonWriter writer, double value) =>
        writer.WriteStringValue(double.IsNaN(value) ? NaN : value > 0 ? PositiveInfinity : NegativeInfinity);

    /// <summary>The JSON text <see cref="Write"/> writes for <paramref name="value"/>, into <paramref name="destination"/>; its length.</summary>
    public static int Format(double value, Span<byte> destination)
    {
        ReadOnlySpan<byte> text = double.IsNaN(value) ? "\"NaN\""u8 : value > 0 ? "\"Infinity\""u8 : "\"-Infinity\""u8;
        text.CopyTo(destination);
        return text.Length;
    }
}
