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
}

internal readonly struct SingleWriter : IJsonElementWriter<float>
{
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
}
