using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Tensors;

// The element readers, one per element type. See IJsonElementReader for why they are structs with static methods.

internal readonly struct SingleReader : IJsonElementReader<float>
{
    public static ElementStatus Read(JsonElement element, out float value)
    {
        if (element.ValueKind == JsonValueKind.Number)
        {
            // A number too large for the type is out of range, not a silent Infinity.
            return FastFloatText.ParseSingle(JsonMarshal.GetRawUtf8Value(element), out value) ? ElementStatus.Ok : ElementStatus.OutOfRange;
        }
        var status = FloatLiterals.Read(element, out var literal);
        value = (float)literal;
        return status;
    }
}

internal readonly struct DoubleReader : IJsonElementReader<double>
{
    public static ElementStatus Read(JsonElement element, out double value)
    {
        if (element.ValueKind == JsonValueKind.Number)
        {
            return FastFloatText.ParseDouble(JsonMarshal.GetRawUtf8Value(element), out value) ? ElementStatus.Ok : ElementStatus.OutOfRange;
        }
        return FloatLiterals.Read(element, out value);
    }
}

internal readonly struct HalfReader : IJsonElementReader<Half>
{
    public static ElementStatus Read(JsonElement element, out Half value)
    {
        if (element.ValueKind == JsonValueKind.Number)
        {
            // Parsed from the text straight to half precision: one correct rounding, where going through double
            // would round twice. Half's parser makes infinity of what does not fit; that is out of range here.
            if (Half.TryParse(JsonMarshal.GetRawUtf8Value(element), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && Half.IsFinite(value))
            {
                return ElementStatus.Ok;
            }
            return ElementStatus.OutOfRange;
        }
        var status = FloatLiterals.Read(element, out var literal);
        value = (Half)literal;
        return status;
    }
}

internal readonly struct BFloat16Reader : IJsonElementReader<BFloat16>
{
    public static ElementStatus Read(JsonElement element, out BFloat16 value)
    {
        if (element.ValueKind == JsonValueKind.Number)
        {
            var text = JsonMarshal.GetRawUtf8Value(element);
            if (FastFloatText.ParseDouble(text, out var number))
            {
                value = BFloat16Rounding.FromText(text, number);
                return float.IsFinite((float)value) ? ElementStatus.Ok : ElementStatus.OutOfRange;
            }
            value = default;
            return ElementStatus.OutOfRange;
        }
        var status = FloatLiterals.Read(element, out var literal);
        value = (BFloat16)(float)literal;
        return status;
    }
}

internal readonly struct SByteReader : IJsonElementReader<sbyte>
{
    public static ElementStatus Read(JsonElement element, out sbyte value)
    {
        var status = Integers.ReadSigned(element, sbyte.MinValue, sbyte.MaxValue, out var wide);
        value = (sbyte)wide;
        return status;
    }
}

internal readonly struct Int16Reader : IJsonElementReader<short>
{
    public static ElementStatus Read(JsonElement element, out short value)
    {
        var status = Integers.ReadSigned(element, short.MinValue, short.MaxValue, out var wide);
        value = (short)wide;
        return status;
    }
}

internal readonly struct Int32Reader : IJsonElementReader<int>
{
    public static ElementStatus Read(JsonElement element, out int value)
    {
        var status = Integers.ReadSigned(element, int.MinValue, int.MaxValue, out var wide);
        value = (int)wide;
        return status;
    }
}

internal readonly struct Int64Reader : IJsonElementReader<long>
{
    public static ElementStatus Read(JsonElement element, out long value) =>
        Integers.ReadSigned(element, long.MinValue, long.MaxValue, out value);
}

internal readonly struct ByteReader : IJsonElementReader<byte>
{
    public static ElementStatus Read(JsonElement element, out byte value)
    {
        var status = Integers.ReadUnsigned(element, byte.MaxValue, out var wide);
        value = (byte)wide;
        return status;
    }
}

internal readonly struct UInt16Reader : IJsonElementReader<ushort>
{
    public static ElementStatus Read(JsonElement element, out ushort value)
    {
        var status = Integers.ReadUnsigned(element, ushort.MaxValue, out var wide);
        value = (ushort)wide;
        return status;
    }
}

internal readonly struct UInt32Reader : IJsonElementReader<uint>
{
    public static ElementStatus Read(JsonElement element, out uint value)
    {
        var status = Integers.ReadUnsigned(element, uint.MaxValue, out var wide);
        value = (uint)wide;
        return status;
    }
}

internal readonly struct UInt64Reader : IJsonElementReader<ulong>
{
    public static ElementStatus Read(JsonElement element, out ulong value) =>
        Integers.ReadUnsigned(element, ulong.MaxValue, out value);
}

internal readonly struct BooleanReader : IJsonElementReader<bool>
{
    public static ElementStatus Read(JsonElement element, out bool value)
    {
        // JSON true and false only: 0/1 or "true" would be a guess at what the client meant.
        var kind = element.ValueKind;
        value = kind == JsonValueKind.True;
        return kind is JsonValueKind.True or JsonValueKind.False ? ElementStatus.Ok : ElementStatus.WrongKind;
    }
}

internal readonly struct StringReader : IJsonElementReader<string>
{
    public static ElementStatus Read(JsonElement element, out string value)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            value = "";
            return ElementStatus.WrongKind;
        }
        value = element.GetString()!;
        // ONNX Runtime takes string tensor elements as NUL-terminated C strings, so "a\u0000b" would arrive as "a":
        // refusing it beats handing the model different data than the client sent.
        return value.Contains('\0', StringComparison.Ordinal) ? ElementStatus.ContainsNul : ElementStatus.Ok;
    }
}

/// <summary>The strings that stand for the floating-point values JSON numbers cannot express.</summary>
internal static class FloatLiterals
{
    /// <summary>
    /// Reads "NaN", "Infinity" or "-Infinity", the spellings of System.Text.Json's
    /// <see cref="System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals"/> (case-sensitive,
    /// as there), which the encoder also writes, so a non-finite output can be sent back as an input.
    /// </summary>
    public static ElementStatus Read(JsonElement element, out double value)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            if (element.ValueEquals("NaN"u8))
            {
                value = double.NaN;
                return ElementStatus.Ok;
            }
            if (element.ValueEquals("Infinity"u8))
            {
                value = double.PositiveInfinity;
                return ElementStatus.Ok;
            }
            if (element.ValueEquals("-Infinity"u8))
            {
                value = double.NegativeInfinity;
                return ElementStatus.Ok;
            }
        }
        value = 0;
        return ElementStatus.WrongKind;
    }
}

/// <summary>Range-checked integer reading shared by the integer readers.</summary>
internal static class Integers
{
    /// <summary>Reads an integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static ElementStatus ReadSigned(JsonElement element, long min, long max, out long value)
    {
        if (element.ValueKind != JsonValueKind.Number)
        {
            value = 0;
            return ElementStatus.WrongKind;
        }
        // The fast path: plain integer text that fits in 64 bits, which is nearly every request.
        if (element.TryGetInt64(out value))
        {
            return value >= min && value <= max ? ElementStatus.Ok : ElementStatus.OutOfRange;
        }
        var status = JsonIntegerText.Parse(JsonMarshal.GetRawUtf8Value(element), out var negative, out var magnitude);
        if (status != ElementStatus.Ok)
        {
            return status;
        }
        // The magnitude limit of a negative value is -min, which for long.MinValue only fits in a ulong.
        var limit = negative ? (ulong)(-(min + 1)) + 1 : (ulong)max;
        if (magnitude > limit)
        {
            return ElementStatus.OutOfRange;
        }
        value = negative ? unchecked((long)(0UL - magnitude)) : (long)magnitude;
        return ElementStatus.Ok;
    }

    /// <summary>Reads an integer in [0, <paramref name="max"/>].</summary>
    public static ElementStatus ReadUnsigned(JsonElement element, ulong max, out ulong value)
    {
        if (element.ValueKind != JsonValueKind.Number)
        {
            value = 0;
            return ElementStatus.WrongKind;
        }
        // TryGetUInt64 rather than TryGetInt64 so that values above long.MaxValue (up to ulong.MaxValue) stay exact.
        if (element.TryGetUInt64(out value))
        {
            return value <= max ? ElementStatus.Ok : ElementStatus.OutOfRange;
        }
        var status = JsonIntegerText.Parse(JsonMarshal.GetRawUtf8Value(element), out var negative, out value);
        if (status != ElementStatus.Ok)
        {
            return status;
        }
        return (negative && value != 0) || value > max ? ElementStatus.OutOfRange : ElementStatus.Ok;
    }
}
