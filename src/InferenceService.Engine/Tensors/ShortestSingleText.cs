using System.Numerics;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// Writes a finite <see cref="float"/> as the shortest decimal text that reads back as the same float, byte for byte
/// the text the runtime's formatter gives (<c>float.TryFormat</c>, which <see cref="System.Text.Json.Utf8JsonWriter"/>
/// uses): the same digits, and the same switch to <c>E+XX</c> notation. The runtime's formatter is general (cultures,
/// formats, a digit buffer) and took about 200 ns a float, the largest single cost of writing a job's rows; this one
/// does only the one format, in a few integer multiplications.
/// </summary>
/// <remarks>
/// The digits come from Ulf Adams' Ryū algorithm (PLDI 2018), in its 32-bit form: the float's rounding interval is
/// scaled by a power of ten with 64-bit fixed-point multipliers, and digits are removed while both ends of the
/// interval still differ, which leaves the shortest decimal in it and the one nearest the float when several are. The
/// multipliers are computed here once from exact integers rather than kept as a table of constants. Every one of the
/// 2^32 floats was checked against the runtime's text when this was written; the tests check a large random sample and
/// the edges.
/// </remarks>
internal static class ShortestSingleText
{
    /// <summary>The most bytes one float takes: <c>-1.2345678E-38</c>.</summary>
    public const int MaxLength = 15;

    private const int MantissaBits = 23;
    private const int ExponentBias = 127;
    private const int InverseBitCount = 59;
    private const int PowerBitCount = 61;

    // 2^(bits(5^q) - 1 + 59) / 5^q + 1, for the positive binary exponents; 5^i's top 61 bits, for the negative ones.
    private static readonly ulong[] s_inverseOfPowersOfFive = [.. Enumerable.Range(0, 32).Select(InverseOfPowerOfFive)];
    private static readonly ulong[] s_powersOfFive = [.. Enumerable.Range(0, 48).Select(PowerOfFive)];

    private static readonly uint[] s_powersOfTen = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

    // "00".."99": two digits at a time.
    private static readonly byte[] s_digitPairs = [.. Enumerable.Range(0, 100).SelectMany(n => new[] { (byte)('0' + (n / 10)), (byte)('0' + (n % 10)) })];

    /// <summary>
    /// Writes finite <paramref name="value"/> into <paramref name="destination"/> (at least <see cref="MaxLength"/>
    /// bytes) and returns the bytes written.
    /// </summary>
    public static int Format(float value, Span<byte> destination)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var position = 0;
        if ((bits >> 31) != 0)
        {
            destination[position++] = (byte)'-';
        }
        var mantissa = bits & ((1u << MantissaBits) - 1);
        var exponent = (int)((bits >> MantissaBits) & 0xFF);
        if (mantissa == 0 && exponent == 0)
        {
            destination[position] = (byte)'0';
            return position + 1;
        }
        var (digits, exponent10) = ShortestDecimal(mantissa, exponent);
        return position + Write(digits, exponent10, destination[position..]);
    }

    /// <summary>The shortest decimal digits·10^exponent within the float's rounding interval, the nearest of them.</summary>
    private static (uint Digits, int Exponent) ShortestDecimal(uint ieeeMantissa, int ieeeExponent)
    {
        int e2;
        uint m2;
        if (ieeeExponent == 0)
        {
            e2 = 1 - ExponentBias - MantissaBits - 2;
            m2 = ieeeMantissa;
        }
        else
        {
            e2 = ieeeExponent - ExponentBias - MantissaBits - 2;
            m2 = (1u << MantissaBits) | ieeeMantissa;
        }
        // Round-half-even: the interval's ends belong to it when the mantissa is even.
        var acceptBounds = (m2 & 1) == 0;
        // The interval, times 4: [mm, mp] around mv; narrower below a power of two.
        var mv = 4 * m2;
        var mp = (4 * m2) + 2;
        var mmShift = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1u : 0u;
        var mm = (4 * m2) - 1 - mmShift;

        uint vr, vp, vm;
        int e10;
        var vmIsTrailingZeros = false;
        var vrIsTrailingZeros = false;
        uint lastRemovedDigit = 0;
        if (e2 >= 0)
        {
            var q = Log10OfPowerOfTwo(e2);
            e10 = q;
            var k = InverseBitCount + BitsOfPowerOfFive(q) - 1;
            var i = -e2 + q + k;
            vr = MultiplyByInverseOfPowerOfFive(mv, q, i);
            vp = MultiplyByInverseOfPowerOfFive(mp, q, i);
            vm = MultiplyByInverseOfPowerOfFive(mm, q, i);
            if (q != 0 && (vp - 1) / 10 <= vm / 10)
            {
                // The loop below removes no digit, yet the digit just below vr decides its rounding.
                var l = InverseBitCount + BitsOfPowerOfFive(q - 1) - 1;
                lastRemovedDigit = MultiplyByInverseOfPowerOfFive(mv, q - 1, -e2 + q - 1 + l) % 10;
            }
            if (q <= 9)
            {
                // Only one of mp, mv and mm can be a multiple of 5, if any.
                if (mv % 5 == 0)
                {
                    vrIsTrailingZeros = IsMultipleOfPowerOfFive(mv, q);
                }
                else if (acceptBounds)
                {
                    vmIsTrailingZeros = IsMultipleOfPowerOfFive(mm, q);
                }
                else
                {
                    vp -= IsMultipleOfPowerOfFive(mp, q) ? 1u : 0u;
                }
            }
        }
        else
        {
            var q = Log10OfPowerOfFive(-e2);
            e10 = q + e2;
            var i = -e2 - q;
            var k = BitsOfPowerOfFive(i) - PowerBitCount;
            var j = q - k;
            vr = MultiplyByPowerOfFive(mv, i, j);
            vp = MultiplyByPowerOfFive(mp, i, j);
            vm = MultiplyByPowerOfFive(mm, i, j);
            if (q != 0 && (vp - 1) / 10 <= vm / 10)
            {
                j = q - 1 - (BitsOfPowerOfFive(i + 1) - PowerBitCount);
                lastRemovedDigit = MultiplyByPowerOfFive(mv, i + 1, j) % 10;
            }
            if (q <= 1)
            {
                // mv = 4·m2 has at least two trailing zero bits; mm has one exactly when mmShift is 1.
                vrIsTrailingZeros = true;
                if (acceptBounds)
                {
                    vmIsTrailingZeros = mmShift == 1;
                }
                else
                {
                    vp--;
                }
            }
            else if (q < 31)
            {
                vrIsTrailingZeros = (mv & ((1u << (q - 1)) - 1)) == 0;
            }
        }

        var removed = 0;
        uint output;
        if (vmIsTrailingZeros || vrIsTrailingZeros)
        {
            // The rare case: an end of the interval or the value itself is exact in decimal.
            while (vp / 10 > vm / 10)
            {
                vmIsTrailingZeros &= vm % 10 == 0;
                vrIsTrailingZeros &= lastRemovedDigit == 0;
                lastRemovedDigit = vr % 10;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
            if (vmIsTrailingZeros)
            {
                while (vm % 10 == 0)
                {
                    vrIsTrailingZeros &= lastRemovedDigit == 0;
                    lastRemovedDigit = vr % 10;
                    vr /= 10;
                    vp /= 10;
                    vm /= 10;
                    removed++;
                }
            }
            if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0)
            {
                lastRemovedDigit = 4; // exactly half way: round to even
            }
            output = vr + ((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5 ? 1u : 0u);
        }
        else
        {
            while (vp / 10 > vm / 10)
            {
                lastRemovedDigit = vr % 10;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
            output = vr + (vr == vm || lastRemovedDigit >= 5 ? 1u : 0u);
        }
        var exponent10 = e10 + removed;
        // Rounding up can leave trailing zeros (19 + 1); the runtime's text has none.
        while (output % 10 == 0)
        {
            output /= 10;
            exponent10++;
        }
        return (output, exponent10);
    }

    /// <summary>
    /// digits·10^exponent as the runtime writes a float: plain notation while the leading digit's place is between
    /// 10^-4 and 10^8, else one digit, the rest after a point, and <c>E</c>, a sign and at least two exponent digits.
    /// </summary>
    private static int Write(uint digits, int exponent, Span<byte> destination)
    {
        var count = DigitCount(digits);
        var scale = exponent + count; // the place of the leading digit, plus one
        if (scale is > 9 or < -3)
        {
            WriteDigits(digits, count, destination[1..]);
            destination[0] = destination[1];
            var position = 1;
            if (count > 1)
            {
                destination[1] = (byte)'.';
                position = count + 1;
            }
            destination[position++] = (byte)'E';
            var power = scale - 1;
            destination[position++] = power < 0 ? (byte)'-' : (byte)'+';
            power = Math.Abs(power); // at most 45 for a float
            destination[position++] = s_digitPairs[2 * power];
            destination[position++] = s_digitPairs[(2 * power) + 1];
            return position;
        }
        if (scale <= 0)
        {
            // 0.000ddd
            destination[0] = (byte)'0';
            destination[1] = (byte)'.';
            destination.Slice(2, -scale).Fill((byte)'0');
            WriteDigits(digits, count, destination[(2 - scale)..]);
            return 2 - scale + count;
        }
        if (scale >= count)
        {
            // ddd000
            WriteDigits(digits, count, destination);
            destination.Slice(count, scale - count).Fill((byte)'0');
            return scale;
        }
        // dd.ddd: the digits one place on, then those before the point moved back over the gap.
        WriteDigits(digits, count, destination[1..]);
        destination.Slice(1, scale).CopyTo(destination);
        destination[scale] = (byte)'.';
        return count + 1;
    }

    /// <summary>Writes the <paramref name="count"/> decimal digits of <paramref name="value"/> (leading zeros included).</summary>
    private static void WriteDigits(uint value, int count, Span<byte> destination)
    {
        var i = count;
        while (i >= 2)
        {
            var pair = (int)(value % 100) * 2;
            value /= 100;
            destination[--i] = s_digitPairs[pair + 1];
            destination[--i] = s_digitPairs[pair];
        }
        if (i == 1)
        {
            destination[0] = (byte)('0' + value);
        }
    }

    /// <summary>How many decimal digits <paramref name="value"/> has: from its bit length, then one comparison.</summary>
    private static int DigitCount(uint value)
    {
        var guess = ((BitOperations.Log2(value) + 1) * 1233) >> 12; // floor(log10(2) · bits), one short at most
        return guess + (value >= s_powersOfTen[guess] ? 1 : 0);
    }

    /// <summary>floor(log10(2^e)), for 0 ≤ e ≤ 1650.</summary>
    private static int Log10OfPowerOfTwo(int e) => (int)(((uint)e * 78913) >> 18);

    /// <summary>floor(log10(5^e)), for 0 ≤ e ≤ 2620.</summary>
    private static int Log10OfPowerOfFive(int e) => (int)(((uint)e * 732923) >> 20);

    /// <summary>The bit length of 5^e (1 for e = 0), for 0 ≤ e ≤ 3528.</summary>
    private static int BitsOfPowerOfFive(int e) => (int)((((uint)e * 1217359) >> 19) + 1);

    private static bool IsMultipleOfPowerOfFive(uint value, int power)
    {
        var count = 0;
        while (value % 5 == 0)
        {
            value /= 5;
            count++;
        }
        return count >= power;
    }

    private static uint MultiplyByInverseOfPowerOfFive(uint m, int q, int shift) => MultiplyShift(m, s_inverseOfPowersOfFive[q], shift);

    private static uint MultiplyByPowerOfFive(uint m, int i, int shift) => MultiplyShift(m, s_powersOfFive[i], shift);

    /// <summary>
    /// floor(m·factor / 2^shift), for a shift past 32, which the callers choose to keep the result within 32 bits: two
    /// 64-bit products, the low one's bottom half dropped, which cannot change the floor.
    /// </summary>
    private static uint MultiplyShift(uint m, ulong factor, int shift)
    {
        var low = (ulong)m * (uint)factor;
        var high = (ulong)m * (uint)(factor >> 32);
        return (uint)(((low >> 32) + high) >> (shift - 32));
    }

    private static ulong InverseOfPowerOfFive(int q)
    {
        var power = BigInteger.Pow(5, q);
        return (ulong)((BigInteger.One << (BitsOfPowerOfFive(q) - 1 + InverseBitCount)) / power) + 1;
    }

    private static ulong PowerOfFive(int i)
    {
        var power = BigInteger.Pow(5, i);
        var shift = BitsOfPowerOfFive(i) - PowerBitCount;
        return (ulong)(shift >= 0 ? power >> shift : power << -shift);
    }
}
