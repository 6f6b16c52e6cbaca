using System.Text.Json;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// The text of a non-empty JSON array of numbers (<c>[0.5, -1, 2e3]</c>, or nested and rectangular, <c>[[1, 2], [3, 4]]</c>;
/// brackets included), already checked to be exactly that, with its shape: an input's data that the request reader
/// lifted out of the body before parsing the rest, so that the largest part of a large request is read once, straight
/// into the tensor, instead of being indexed by the JSON parser and then read again element by element. FP32 and FP64
/// are read from the text; any other type, and any number that does not fit, take the document path (the text parsed
/// on its own), which gives the same tensor or the same error.
/// </summary>
public readonly struct JsonNumberArray
{
    /// <summary>An array nested as <paramref name="shape"/> says (one dimension per level), of <paramref name="count"/> numbers.</summary>
    public JsonNumberArray(ReadOnlyMemory<byte> text, long[] shape, int count)
    {
        Text = text;
        Shape = shape;
        Count = count;
    }

    /// <summary>The array's text, from <c>[</c> to <c>]</c>; a view into the request's body.</summary>
    public ReadOnlyMemory<byte> Text { get; }

    /// <summary>The nesting's shape: [<see cref="Count"/>] for a flat array.</summary>
#pragma warning disable CA1819 // The shape becomes the tensor's, as an array.
    public long[] Shape { get; }
#pragma warning restore CA1819

    /// <summary>How many numbers the array holds.</summary>
    public int Count { get; }

    /// <summary>
    /// Whether <paramref name="json"/> holds, from <paramref name="start"/> (a <c>[</c>), a rectangular nest of
    /// non-empty JSON arrays with numbers only (RFC 8259's number grammar, JSON whitespace between tokens), all at the
    /// same depth, at most <paramref name="maxDepth"/> levels deep (1: a flat array, the protocol's data; more: the
    /// simple API's tensor, whose nesting is its shape); if so, where it ends, its shape and how many numbers it holds.
    /// Anything else (a ragged or empty array, numbers at two depths, a string, a syntax error) is not.
    /// </summary>
    public static bool TryMeasure(ReadOnlySpan<byte> json, int start, int maxDepth, out int end, out long[] shape, out int count)
    {
        end = 0;
        shape = [];
        count = 0;
        Span<int> lengths = stackalloc int[Math.Clamp(maxDepth, 1, JsonTensorDecoder.MaxRank)]; // each level's length, once known
        Span<int> counted = stackalloc int[lengths.Length]; // elements so far in the open array at each level
        lengths.Fill(-1);
        var level = -1;
        var depth = -1; // the levels above the numbers, once the first number says
        var i = start;
        while (true)
        {
            // A value: an array opens, or a number.
            if (json[i] == (byte)'[')
            {
                if (++level == lengths.Length || (depth >= 0 && level >= depth))
                {
                    return false; // too deep, or an array where the numbers are
                }
                counted[level] = 0;
                i = SkipWhitespace(json, i + 1);
                if (i >= json.Length)
                {
                    return false;
                }
                continue;
            }
            if (depth < 0)
            {
                depth = level + 1;
            }
            if (level + 1 != depth || (i = JsonNumberText.End(json, i)) < 0)
            {
                return false; // a number above the numbers' depth, or not a number
            }
            counted[level]++;
            // After a value: the next one, or the open arrays closing.
            while (true)
            {
                i = SkipWhitespace(json, i);
                if (i >= json.Length)
                {
                    return false;
                }
                if (json[i] == (byte)',')
                {
                    i = SkipWhitespace(json, i + 1);
                    if (i >= json.Length)
                    {
                        return false;
                    }
                    break;
                }
                if (json[i] != (byte)']' || (lengths[level] >= 0 && lengths[level] != counted[level]))
                {
                    return false; // not a separator, or a row of another length than the first at its level
                }
                lengths[level] = counted[level];
                i++;
                if (level-- == 0)
                {
                    end = i;
                    shape = new long[depth];
                    long total = 1;
                    for (var d = 0; d < depth; d++)
                    {
                        shape[d] = lengths[d];
                        total *= lengths[d];
                    }
                    count = (int)total; // at most one number per two bytes of the body
                    return true;
                }
                counted[level]++;
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

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && IsWhitespace(json[i]))
        {
            i++;
        }
        return i;
    }

    private static bool IsWhitespace(byte c) => c is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t';
}
