using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// The client-facing messages of the decoder. They are built only when something is wrong, so the happy path never
/// formats a string; each names the input and the position as the client wrote it ([1][2] for nested data).
/// </summary>
internal static class DecodeErrors
{
    // Client text echoed in a message is cut here, so a megabyte of digits does not come back in an error body.
    private const int MaxEchoedLength = 40;

    public static InferenceException Element(string name, ReadOnlySpan<int> position, JsonElement element, TensorElementType type, ElementStatus status)
    {
        // A scalar input has no position to name.
        var where = position.IsEmpty ? $"Input '{name}'" : $"Input '{name}' element {Position(position)}";
        var typeName = TensorDataType.DisplayName(type);
        return InferenceException.InvalidInput(status switch
        {
            ElementStatus.OutOfRange => $"{where}: {Echo(element)} is out of range for {typeName} ({Range(type)}).",
            ElementStatus.NotInteger => $"{where}: {Echo(element)} is not an integer, which {typeName} requires.",
            ElementStatus.ContainsNul => $"{where}: contains the NUL character (\\u0000), which {typeName} tensors cannot hold.",
            _ => $"{where}: expected {ExpectedKind(type)} for {typeName}, got {Describe(element)}.",
        });
    }

    public static InferenceException Ragged(string name, ReadOnlySpan<int> row, long length, long expected) =>
        InferenceException.InvalidInput(
            $"Input '{name}' is ragged: row {Position(row)} has {Elements(length)}, row {Position(Zeros(row.Length))} has {expected}.");

    /// <summary>An array where the first row nests a scalar, or a scalar where it nests an array.</summary>
    public static InferenceException Mixed(string name, ReadOnlySpan<int> position, JsonElement element, JsonElement root)
    {
        // The reference is the element at the same depth along the first row, which fixed the nesting depth.
        var reference = root;
        var depth = 0;
        while (depth < position.Length && reference.ValueKind == JsonValueKind.Array && reference.GetArrayLength() > 0)
        {
            reference = reference[0];
            depth++;
        }
        var referenceText = depth == position.Length
            ? $"{Position(Zeros(depth))} is {Describe(reference)}"
            : $"{Position(Zeros(depth))} is an empty array";
        return InferenceException.InvalidInput(
            $"Input '{name}' mixes arrays and scalars: {Position(position)} is {Describe(element)}, but {referenceText}.");
    }

    public static InferenceException TooDeep(string name, int maxRank) =>
        InferenceException.InvalidInput($"Input '{name}' nests arrays more than {maxRank} levels deep.");

    public static InferenceException CountMismatch(string name, ReadOnlySpan<long> shape, long expected, long given) =>
        InferenceException.InvalidInput(
            $"Input '{name}' has shape {TensorShapes.Format(shape)}, which holds {Elements(expected)}, but {given} {(given == 1 ? "was" : "were")} given.");

    private static string Position(ReadOnlySpan<int> position)
    {
        var text = new StringBuilder();
        foreach (var index in position)
        {
            text.Append('[').Append(index).Append(']');
        }
        return text.ToString();
    }

    private static int[] Zeros(int length) => new int[length];

    private static string Elements(long count) => count == 1 ? "1 element" : $"{count} elements";

    private static string ExpectedKind(TensorElementType type) => type switch
    {
        TensorElementType.Bool => "true or false",
        TensorElementType.String => "a string",
        TensorElementType.Float or TensorElementType.Double or TensorElementType.Float16 or TensorElementType.BFloat16
            => "a number, \"NaN\", \"Infinity\" or \"-Infinity\"",
        _ => "an integer",
    };

    private static string Range(TensorElementType type) => type switch
    {
        TensorElementType.UInt8 => "0..255",
        TensorElementType.Int8 => "-128..127",
        TensorElementType.UInt16 => "0..65535",
        TensorElementType.Int16 => "-32768..32767",
        TensorElementType.UInt32 => "0..4294967295",
        TensorElementType.Int32 => "-2147483648..2147483647",
        TensorElementType.UInt64 => "0..18446744073709551615",
        TensorElementType.Int64 => "-9223372036854775808..9223372036854775807",
        TensorElementType.Float16 => "-65504..65504",
        TensorElementType.BFloat16 => "-3.3895314E+38..3.3895314E+38",
        TensorElementType.Float => "-3.4028235E+38..3.4028235E+38",
        TensorElementType.Double => "-1.7976931348623157E+308..1.7976931348623157E+308",
        _ => "its range",
    };

    /// <summary>What a JSON value is, in words; a string's text is quoted (cut short) since "nan" for "NaN" is a likely slip.</summary>
    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => $"the string {Echo(element)}",
        JsonValueKind.Number => $"the number {Echo(element)}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    /// <summary>The value's JSON text as the client wrote it, cut to a bounded length.</summary>
    private static string Echo(JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        var text = Encoding.UTF8.GetString(raw[..Math.Min(raw.Length, MaxEchoedLength * 4)]);
        if (text.Length <= MaxEchoedLength)
        {
            return text;
        }
        // Never cut a surrogate pair in half: a lone surrogate is not valid text to write back.
        var cut = char.IsHighSurrogate(text[MaxEchoedLength - 1]) ? MaxEchoedLength - 1 : MaxEchoedLength;
        return string.Concat(text.AsSpan(0, cut), "...");
    }
}
