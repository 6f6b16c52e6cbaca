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
        var i = start + 1;
        while (i < json.Length && IsWhitespace(json[i]))
        {
            i++;
        }
        if (i < json.Length && json[i] == (byte)']')
        {
            end = i + 1;
            return true;
        }
        while (true)
        {
            i = JsonNumberText.End(json, i);
            if (i < 0)
            {
                return false;
            }
            count++;
            while (i < json.Length && IsWhitespace(json[i]))
            {
                i++;
            }
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
            for (i++; i < json.Length && IsWhitespace(json[i]); i++)
            {
            }
        }
    }

    /// <summary>
    /// Reads every number as a float into <paramref name="destination"/> (exactly <see cref="Count"/> long); false
    /// when one does not fit (the caller then takes the document path, which names it).
    /// </summary>
    internal bool TryFill(Span<float> destination) => TryFill<SingleElement, float>(destination);

    /// <summary>Reads every number as a double into <paramref name="destination"/>; false when one does not fit.</summary>
    internal bool TryFill(Span<double> destination) => TryFill<DoubleElement, double>(destination);

    /// <summary>The array parsed on its own, for the document path (the caller disposes it).</summary>
    internal JsonDocument Parse() => JsonDocument.Parse(Text);

    /// <summary>
    /// The numbers read in one pass: each is scanned once by <see cref="FastFloatText.TryParsePrefix"/>, which gathers
    /// its significand and power of ten on the way; a number its fast path does not take goes to the exact parser
    /// (<see cref="FastFloatText.ExactSingle"/>, <see cref="FastFloatText.ExactDouble"/>) with its text.
    /// </summary>
    private bool TryFill<TElement, T>(Span<T> destination)
        where TElement : IFlatElement<T>
    {
        var text = Text.Span; // valid (TryMeasure), and ending in ']', which stops every scan
        var i = 1;
        for (var written = 0; written < destination.Length; written++)
        {
            while (!IsDigit(text[i]) && text[i] != (byte)'-')
            {
                i++; // whitespace and the comma
            }
            var fast = FastFloatText.TryParsePrefix(text[i..], out var wide, out var length);
            if (!TElement.TryPut(fast, wide, text.Slice(i, length), out destination[written]))
            {
                return false;
            }
            i += length;
        }
        return true;
    }

    /// <summary>How a number read from the text becomes an element: from its fast-path double, or else from its text.</summary>
    private interface IFlatElement<T>
    {
        static abstract bool TryPut(bool fast, double wide, ReadOnlySpan<byte> text, out T value);
    }

    private readonly struct SingleElement : IFlatElement<float>
    {
        public static bool TryPut(bool fast, double wide, ReadOnlySpan<byte> text, out float value) =>
            (fast && FastFloatText.TryNarrow(wide, out value)) || FastFloatText.ExactSingle(text, out value);
    }

    private readonly struct DoubleElement : IFlatElement<double>
    {
        public static bool TryPut(bool fast, double wide, ReadOnlySpan<byte> text, out double value)
        {
            value = wide;
            return fast || FastFloatText.ExactDouble(text, out value);
        }
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static bool IsWhitespace(byte c) => c is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t';
}
