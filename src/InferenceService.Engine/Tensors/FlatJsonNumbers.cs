using System.Globalization;
using System.Text.Json;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// The text of a flat JSON array of numbers (<c>[0.5, -1, 2e3]</c>, brackets included), already checked to be exactly
/// that, and how many numbers it holds: an input's <c>data</c> that the request reader lifted out of the body before
/// parsing the rest, so that the largest part of a large request is read once, straight into the tensor, instead of
/// being indexed by the JSON parser and then read again element by element. FP32 and FP64 are read from the text;
/// any other type, and any number that does not fit, take the document path (the text parsed on its own), which gives
/// the same tensor or the same error.
/// </summary>
public readonly struct FlatJsonNumbers
{
    public FlatJsonNumbers(ReadOnlyMemory<byte> text, int count)
    {
        Text = text;
        Count = count;
    }

    /// <summary>The array's text, from <c>[</c> to <c>]</c>; a view into the request's body.</summary>
    public ReadOnlyMemory<byte> Text { get; }

    /// <summary>How many numbers the array holds.</summary>
    public int Count { get; }

    /// <summary>
    /// Whether <paramref name="json"/> holds, from <paramref name="start"/> (a <c>[</c>), a JSON array of numbers only,
    /// written as JSON's grammar allows (RFC 8259: no leading zero, no leading <c>+</c>, digits after a point and an
    /// exponent) with JSON whitespace between tokens; if so, where it ends (just past its <c>]</c>) and how many
    /// numbers it holds. Anything else (a nested array, a string, a literal, a syntax error) is not such an array.
    /// </summary>
    public static bool TryMeasure(ReadOnlySpan<byte> json, int start, out int end, out int count)
    {
        end = 0;
        count = 0;
        var i = SkipWhitespace(json, start + 1);
        if (i < json.Length && json[i] == (byte)']')
        {
            end = i + 1;
            return true;
        }
        while (true)
        {
            if (!SkipNumber(json, ref i))
            {
                return false;
            }
            count++;
            i = SkipWhitespace(json, i);
            if (i >= json.Length)
            {
                return false;
            }
            if (json[i] == (byte)']')
            {
                end = i + 1;
                return true;
            }
            if (json[i] != (byte)',')
            {
                return false;
            }
            i = SkipWhitespace(json, i + 1);
        }
    }

    /// <summary>
    /// Reads every number as a float into <paramref name="destination"/> (exactly <see cref="Count"/> long); false
    /// when one does not fit (the caller then takes the document path, which names it).
    /// </summary>
    internal bool TryFill(Span<float> destination)
    {
        var text = Text.Span;
        var i = 1;
        for (var written = 0; written < destination.Length; written++)
        {
            var number = NextNumber(text, ref i);
            if (!FastFloatText.TryParseSingle(number, out destination[written])
                && !(float.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out destination[written]) && float.IsFinite(destination[written])))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Reads every number as a double into <paramref name="destination"/>; false when one does not fit.</summary>
    internal bool TryFill(Span<double> destination)
    {
        var text = Text.Span;
        var i = 1;
        for (var written = 0; written < destination.Length; written++)
        {
            if (!FastFloatText.ParseDouble(NextNumber(text, ref i), out destination[written]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The array parsed on its own, for the document path (the caller disposes it).</summary>
    internal JsonDocument Parse() => JsonDocument.Parse(Text);

    /// <summary>The next number's text from <paramref name="i"/>, past any whitespace and comma before it; moves past it.</summary>
    private static ReadOnlySpan<byte> NextNumber(ReadOnlySpan<byte> text, ref int i)
    {
        while (!IsNumberStart(text[i]))
        {
            i++;
        }
        var start = i;
        while (IsNumberPart(text[i]))
        {
            i++;
        }
        return text[start..i];
    }

    private static bool SkipNumber(ReadOnlySpan<byte> json, ref int i)
    {
        if (i < json.Length && json[i] == (byte)'-')
        {
            i++;
        }
        if (i >= json.Length)
        {
            return false;
        }
        if (json[i] == (byte)'0')
        {
            i++;
        }
        else if (!SkipDigits(json, ref i))
        {
            return false;
        }
        if (i < json.Length && json[i] == (byte)'.')
        {
            i++;
            if (!SkipDigits(json, ref i))
            {
                return false;
            }
        }
        if (i < json.Length && (json[i] | 0x20) == (byte)'e')
        {
            i++;
            if (i < json.Length && json[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }
            if (!SkipDigits(json, ref i))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Moves past one or more digits; false when there is none.</summary>
    private static bool SkipDigits(ReadOnlySpan<byte> json, ref int i)
    {
        var start = i;
        while (i < json.Length && IsDigit(json[i]))
        {
            i++;
        }
        return i > start;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            i++;
        }
        return i;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static bool IsNumberStart(byte c) => IsDigit(c) || c == (byte)'-';

    private static bool IsNumberPart(byte c) => IsDigit(c) || c is (byte)'-' or (byte)'+' or (byte)'.' or (byte)'e' or (byte)'E';
}
