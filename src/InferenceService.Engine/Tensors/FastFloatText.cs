using csFastFloat;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// A fast path for reading JSON number text as <see cref="double"/> or <see cref="float"/>, for the common case of
/// at most 15 significant digits and a small exponent; anything else returns <see langword="false"/> and goes to the
/// exact parser (<see cref="ExactDouble"/>, <see cref="ExactSingle"/>: csFastFloat). On inputs of ordinary model data
/// (0.123456789) a general parser is most of the cost of decoding a tensor; this path takes a fraction of that time
/// and gives bit-identical results.
/// </summary>
/// <remarks>
/// Why it is exact (Clinger's fast path): a significand below 10^15 and a power of ten up to 10^22 are both exact
/// doubles, so one IEEE multiplication or division rounds their product or quotient correctly. For float, rounding that
/// double to float is a second rounding, which differs from rounding the decimal directly only when the double lands
/// exactly on a midpoint between two floats (any midpoint strictly between the decimal and its double would itself be a
/// nearer double); that case, and the float subnormal range where midpoints sit elsewhere, fall back. Short decimals
/// skip the double: a significand up to 2^24 and a power of ten up to 10^10 are both exact floats, so one float
/// operation rounds the decimal itself, once.
/// </remarks>
internal static class FastFloatText
{
    private const ulong MaxSignificand = 1_000_000_000_000_000;
    private const int MaxFoldedDigits = 19;
    private const int MaxPower = 22;
    private const ulong MaxSingleSignificand = 1 << 24;
    private const int MaxSinglePower = 10;

    // The smallest normal float, 2^-126; below it floats lose precision and the midpoint test below does not hold.
    private const double SmallestNormalSingle = 1.1754943508222875e-38;

    // An array rather than a ReadOnlySpan over constant data: unoptimized (Debug) code builds such a span through a
    // call that allocates, which would show up as per-element allocation in the tests.
    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    private static readonly float[] SinglePowersOfTen = [1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f];

    /// <summary>
    /// Reads <paramref name="text"/> if it is one JSON number and nothing else (no space, no sign but a leading minus)
    /// and the fast path applies; anything else returns <see langword="false"/>: a valid number then goes to the exact
    /// parser, and unchecked text (a CSV cell) to its caller's checks.
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value) =>
        TryParsePrefix(text, out value, out var length) && length == text.Length;

    /// <summary>
    /// Reads the JSON number that <paramref name="text"/> starts with (whatever follows it), if the fast path applies;
    /// <paramref name="length"/> is the number's length either way, so a caller scanning a longer text can hand the
    /// number's own text to the exact parser when this returns <see langword="false"/>. The grammar (RFC 8259) is
    /// checked on the way: text that does not start with a number returns <see langword="false"/> with a length that
    /// means nothing, so a caller holding unchecked text (a CSV cell) can take <c>length == text.Length</c> as "this
    /// is one number and nothing else", read in the one pass.
    /// </summary>
    public static bool TryParsePrefix(ReadOnlySpan<byte> text, out double value, out int length)
    {
        value = 0;
        length = Scan(text, out var significand, out var power, out var negative, out var folded);
        if (length < 0)
        {
            length = 0;
            return false;
        }
        return folded <= MaxFoldedDigits && TryCompose(significand, power, negative, out value);
    }

    /// <summary>
    /// Reads the JSON number at the start of <paramref name="text"/> as its digits folded into
    /// <paramref name="significand"/>, the power of ten they are scaled by and how many digits were folded (past 19 the
    /// significand may have wrapped: to 0, even, after 64 trailing zeros); returns the number's length, or -1 when the
    /// text does not start with a number. The grammar (RFC 8259) is checked on the way.
    /// </summary>
    private static int Scan(ReadOnlySpan<byte> text, out ulong significand, out int power, out bool negative, out int folded)
    {
        // One pass with the digits folded in place: this runs once per number of every request and dataset.
        significand = 0;
        power = 0;
        folded = 0;
        var i = 0;
        negative = i < text.Length && text[i] == (byte)'-';
        i += negative ? 1 : 0;
        if (i == text.Length || !IsDigit(text[i]))
        {
            return -1;
        }
        // Every digit is folded in, leading zeros too, and counted: up to 19 the significand cannot have wrapped.
        if (text[i] == (byte)'0')
        {
            i++; // a leading zero stands alone
        }
        else
        {
            var first = i;
            for (; i < text.Length && IsDigit(text[i]); i++)
            {
                significand = unchecked((significand * 10) + (uint)(text[i] - '0'));
            }
            folded = i - first;
        }
        if (i < text.Length && text[i] == (byte)'.')
        {
            var first = ++i;
            for (; i < text.Length && IsDigit(text[i]); i++)
            {
                significand = unchecked((significand * 10) + (uint)(text[i] - '0'));
            }
            if (i == first)
            {
                return -1;
            }
            power = first - i;
            folded += i - first;
        }
        if (i < text.Length && (text[i] | 0x20) == (byte)'e')
        {
            // The exponent is capped far outside the fast range, so it cannot overflow.
            i++;
            var exponentNegative = i < text.Length && text[i] == (byte)'-';
            i += i < text.Length && text[i] is (byte)'-' or (byte)'+' ? 1 : 0;
            var first = i;
            var exponent = 0;
            for (; i < text.Length && IsDigit(text[i]); i++)
            {
                exponent = Math.Min((exponent * 10) + (text[i] - '0'), 100_000);
            }
            if (i == first)
            {
                return -1;
            }
            power += exponentNegative ? -exponent : exponent;
        }
        return i;
    }

    /// <summary>The double a scanned number denotes, when one correctly rounded operation makes it (see the remarks).</summary>
    private static bool TryCompose(ulong significand, int power, bool negative, out double value)
    {
        value = 0;
        if (significand == 0)
        {
            value = negative ? -0.0 : 0.0;
            return true;
        }
        // Below 10^15 the significand is an exact double (at most 15 significant digits).
        if (significand >= MaxSignificand || power < -MaxPower || power > MaxPower)
        {
            return false;
        }
        var result = power >= 0 ? significand * PowersOfTen[power] : significand / PowersOfTen[-power];
        value = negative ? -result : result;
        return true;
    }

    /// <summary>
    /// Reads <paramref name="text"/>, a valid JSON number, by the fast path or else <see cref="ExactDouble"/>; returns
    /// <see langword="false"/> for a number beyond the double range (which a parser would make infinite).
    /// </summary>
    public static bool ParseDouble(ReadOnlySpan<byte> text, out double value) =>
        TryParseDouble(text, out value) || ExactDouble(text, out value);

    /// <summary>
    /// Reads <paramref name="text"/> as a float if it is one JSON number and nothing else (as
    /// <see cref="TryParseDouble"/> takes it) and a fast path applies. At most 7 significant digits and a power of ten
    /// up to 10^10 make one float operation (the common case of model data, such as 0.1234); otherwise the double,
    /// narrowed (see <see cref="TryNarrow"/>).
    /// </summary>
    public static bool TryParseSingle(ReadOnlySpan<byte> text, out float value)
    {
        value = 0;
        var length = Scan(text, out var significand, out var power, out var negative, out var folded);
        if (length != text.Length || folded > MaxFoldedDigits)
        {
            return false;
        }
        // Clinger's fast path in float: a significand up to 2^24 and 10^0 to 10^10 are exact floats, so one IEEE float
        // multiplication or division rounds the decimal itself correctly, with no second rounding to check.
        if (significand is > 0 and <= MaxSingleSignificand && power is >= -MaxSinglePower and <= MaxSinglePower)
        {
            var magnitude = power >= 0
                ? significand * SinglePowersOfTen[power]
                : significand / SinglePowersOfTen[-power];
            value = negative ? -magnitude : magnitude;
            return true;
        }
        return TryCompose(significand, power, negative, out var wide) && TryNarrow(wide, out value);
    }

    /// <summary>
    /// Reads <paramref name="text"/>, a valid JSON number, as a float (rounded once, from the text) by the fast path or
    /// else <see cref="ExactSingle"/>; <see langword="false"/> for a number beyond the float range.
    /// </summary>
    public static bool ParseSingle(ReadOnlySpan<byte> text, out float value) =>
        TryParseSingle(text, out value) || ExactSingle(text, out value);

    /// <summary>
    /// Any valid JSON number's nearest double, by csFastFloat (Lemire's algorithm, correctly rounded whatever the
    /// number of digits: the 17 digits a client writes for a double stay fast); <see langword="false"/> beyond the range.
    /// </summary>
    public static bool ExactDouble(ReadOnlySpan<byte> text, out double value) =>
        FastDoubleParser.TryParseDouble(text, out value) && double.IsFinite(value);

    /// <summary>Any valid JSON number's nearest float, rounded once from the text; <see langword="false"/> beyond the range.</summary>
    public static bool ExactSingle(ReadOnlySpan<byte> text, out float value) =>
        FastFloatParser.TryParseFloat(text, out value) && float.IsFinite(value);

    /// <summary>
    /// <paramref name="wide"/>, the double nearest some decimal text, as the float nearest that same text: the double
    /// rounded to float, except where that second rounding can differ from rounding the text directly (a double exactly
    /// halfway between two floats, or one outside the normal float range), which returns <see langword="false"/>.
    /// </summary>
    public static bool TryNarrow(double wide, out float value)
    {
        value = 0;
        var magnitude = Math.Abs(wide);
        if (magnitude != 0 && (magnitude < SmallestNormalSingle || magnitude > float.MaxValue))
        {
            return false;
        }
        // A double exactly halfway between two floats: its 29 bits below float precision are 1 then 28 zeros.
        if ((BitConverter.DoubleToUInt64Bits(wide) & 0x1FFF_FFFF) == 0x1000_0000)
        {
            return false;
        }
        value = (float)wide;
        return true;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;
}
