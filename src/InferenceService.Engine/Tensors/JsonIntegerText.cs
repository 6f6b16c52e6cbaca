namespace InferenceService.Engine.Tensors;

/// <summary>
/// Exact integer reading of JSON number text that the fast parsers refuse: <c>3.0</c>, <c>1e3</c>, <c>-0.0</c>, or
/// digits beyond 64 bits. Going through <see cref="double"/> or <see cref="decimal"/> would round (9007199254740993.0
/// would become ...992, 1e-40 would become 0) and turn a client's mistake into a silently different value, so the
/// digits are read as they are written.
/// </summary>
internal static class JsonIntegerText
{
    // An exponent beyond this is saturated: any non-zero significand with it is out of range (or not an integer).
    private const int ExponentLimit = 100_000;

    /// <summary>
    /// Reads <paramref name="text"/>, a valid JSON number, as sign and magnitude. Returns
    /// <see cref="ElementStatus.NotInteger"/> for a value with a fractional part and <see cref="ElementStatus.OutOfRange"/>
    /// for a magnitude beyond <see cref="ulong.MaxValue"/>.
    /// </summary>
    public static ElementStatus Parse(ReadOnlySpan<byte> text, out bool negative, out ulong magnitude)
    {
        magnitude = 0;
        var i = 0;
        negative = text[0] == (byte)'-';
        if (negative)
        {
            i++;
        }
        var integerStart = i;
        while (i < text.Length && IsDigit(text[i]))
        {
            i++;
        }
        var integerDigits = text[integerStart..i];
        var fractionDigits = ReadOnlySpan<byte>.Empty;
        if (i < text.Length && text[i] == (byte)'.')
        {
            var fractionStart = ++i;
            while (i < text.Length && IsDigit(text[i]))
            {
                i++;
            }
            fractionDigits = text[fractionStart..i];
        }
        var exponent = 0;
        if (i < text.Length && (text[i] | 0x20) == (byte)'e')
        {
            i++;
            var exponentNegative = text[i] == (byte)'-';
            if (text[i] is (byte)'-' or (byte)'+')
            {
                i++;
            }
            for (; i < text.Length; i++)
            {
                exponent = Math.Min(ExponentLimit, (exponent * 10) + (text[i] - '0'));
            }
            exponent = exponentNegative ? -exponent : exponent;
        }

        // The significand is the integer digits followed by the fraction digits; find its first and last non-zero digit.
        var digitCount = integerDigits.Length + fractionDigits.Length;
        var first = 0;
        while (first < digitCount && DigitAt(integerDigits, fractionDigits, first) == 0)
        {
            first++;
        }
        if (first == digitCount)
        {
            return ElementStatus.Ok; // zero, however it is written
        }
        var last = digitCount - 1;
        while (DigitAt(integerDigits, fractionDigits, last) == 0)
        {
            last--;
        }
        // The power of ten of the last non-zero digit: negative means a fractional part.
        var lastPower = exponent - fractionDigits.Length + (digitCount - 1 - last);
        if (lastPower < 0)
        {
            return ElementStatus.NotInteger;
        }
        // ulong.MaxValue has 20 digits; anything longer cannot fit, and this bounds the loop below.
        if (last - first + 1 + lastPower > 20)
        {
            return ElementStatus.OutOfRange;
        }
        ulong value = 0;
        for (var d = first; d <= last + lastPower; d++)
        {
            var digit = d <= last ? (ulong)DigitAt(integerDigits, fractionDigits, d) : 0;
            if (value > (ulong.MaxValue - digit) / 10)
            {
                return ElementStatus.OutOfRange;
            }
            value = (value * 10) + digit;
        }
        magnitude = value;
        return ElementStatus.Ok;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static int DigitAt(ReadOnlySpan<byte> integerDigits, ReadOnlySpan<byte> fractionDigits, int index) =>
        (index < integerDigits.Length ? integerDigits[index] : fractionDigits[index - integerDigits.Length]) - '0';
}
