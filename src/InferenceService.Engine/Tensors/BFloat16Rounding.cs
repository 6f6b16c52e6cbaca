using System.Globalization;
using System.Numerics;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Tensors;

/// <summary>Correctly rounded conversion of JSON number text to <see cref="BFloat16"/>.</summary>
internal static class BFloat16Rounding
{
    // The most significant digits of a number's text compared exactly (see CompareMagnitude).
    private const int MaxDigits = 200;

    /// <summary>
    /// Rounds the number written as <paramref name="text"/>, whose nearest double is <paramref name="nearest"/>, to the
    /// nearest bfloat16, ties to even. There is no bfloat16 parser, so this goes through the double, and the only case
    /// where that can differ from rounding the decimal directly is a double that lands exactly on a midpoint between
    /// two bfloat16 values: then the text is compared exactly with the midpoint (rare, so the slow arithmetic is fine).
    /// Values beyond the bfloat16 range become infinity; the caller decides what that means.
    /// </summary>
    public static BFloat16 FromText(ReadOnlySpan<byte> text, double nearest)
    {
        var rounded = FromDouble(nearest);
        var single = (float)nearest;
        var bits = BitConverter.SingleToUInt32Bits(single);
        // A bfloat16 is the upper half of a float; a midpoint is a float whose lower half is exactly 0x8000.
        if (single != nearest || !float.IsFinite(single) || (bits & 0xFFFF) != 0x8000)
        {
            return rounded;
        }
        var comparison = CompareMagnitude(text, nearest);
        if (comparison == 0)
        {
            return rounded; // a true tie, which FromDouble broke to even
        }
        // Sign and magnitude bits: the upper half alone is the neighbour toward zero, plus one the one away from it.
        var towardZero = (ushort)(bits >> 16);
        return new BFloat16(comparison < 0 ? towardZero : (ushort)(towardZero + 1));
    }

    /// <summary>
    /// Rounds <paramref name="value"/> to the nearest bfloat16, ties to even, as a single rounding. Rounding to float
    /// first and then to bfloat16 rounds twice and can go the wrong way (1.0039062500000002 is just above the
    /// midpoint between 1 and 1.0078125, but rounds to the midpoint as a float, and then to 1). So the first step rounds
    /// to odd instead: with float's 16 spare bits that keeps the information the second rounding needs.
    /// </summary>
    public static BFloat16 FromDouble(double value)
    {
        var single = (float)value;
        if (!float.IsFinite(single) || single == value)
        {
            return (BFloat16)single;
        }
        var bits = BitConverter.SingleToUInt32Bits(single);
        if ((bits & 1) == 0)
        {
            // Round to nearest picked the even neighbour; round to odd wants the other one, one unit toward the value.
            // Sign and magnitude bits: adding one moves away from zero, subtracting moves toward it.
            bits = Math.Abs(value) > Math.Abs(single) ? bits + 1 : bits - 1;
        }
        return (BFloat16)BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary>
    /// The sign of |text| - |midpoint|, computed exactly; <paramref name="midpoint"/> is a finite, non-zero bfloat16
    /// midpoint and the nearest double to the text.
    /// </summary>
    private static int CompareMagnitude(ReadOnlySpan<byte> text, double midpoint)
    {
        // The text as digits × 10^power, keeping at most MaxDigits significant digits. A midpoint has fewer significant
        // decimal digits than that (at most about 160, for the smallest subnormals), so if the kept digits equal it,
        // any non-zero digit cut off makes the text larger; if they differ, the cut digits cannot change the order.
        // The cap keeps the arithmetic small whatever the client wrote.
        var digits = new StringBuilder();
        var cutNonZero = false;
        long power = 0;
        var i = text[0] == (byte)'-' ? 1 : 0;
        for (; i < text.Length && IsDigit(text[i]); i++)
        {
            if (!Keep(digits, text[i], ref cutNonZero))
            {
                power++;
            }
        }
        if (i < text.Length && text[i] == (byte)'.')
        {
            for (i++; i < text.Length && IsDigit(text[i]); i++)
            {
                if (Keep(digits, text[i], ref cutNonZero))
                {
                    power--;
                }
            }
        }
        if (i < text.Length)
        {
            i++;
            var negative = text[i] == (byte)'-';
            if (text[i] is (byte)'-' or (byte)'+')
            {
                i++;
            }
            long exponent = 0;
            for (; i < text.Length; i++)
            {
                exponent = Math.Min(1_000_000_000, (exponent * 10) + (text[i] - '0'));
            }
            power += negative ? -exponent : exponent;
        }
        // The text's value is within a double's precision of the midpoint (between 1e-41 and 4e38), so with at most
        // MaxDigits digits the power is small; anything else is not a number this method is called for.
        if (digits.Length == 0 || Math.Abs(power) > 1000)
        {
            return 0;
        }
        var left = BigInteger.Parse(digits.ToString(), NumberStyles.None, CultureInfo.InvariantCulture);

        // The midpoint as significand × 2^binaryPower.
        var bits = BitConverter.DoubleToUInt64Bits(Math.Abs(midpoint));
        var biased = (int)(bits >> 52);
        var right = new BigInteger((bits & 0xF_FFFF_FFFF_FFFF) | (biased == 0 ? 0UL : 1UL << 52));
        var binaryPower = (biased == 0 ? 1 : biased) - 1075;

        // Compare with every negative power moved to the other side, so both sides are integers.
        if (power >= 0)
        {
            left *= BigInteger.Pow(10, (int)power);
        }
        else
        {
            right *= BigInteger.Pow(10, (int)-power);
        }
        if (binaryPower >= 0)
        {
            right <<= binaryPower;
        }
        else
        {
            left <<= -binaryPower;
        }
        var comparison = left.CompareTo(right);
        return comparison == 0 && cutNonZero ? 1 : comparison;
    }

    /// <summary>
    /// Appends a significant digit if there is room (leading zeros are skipped); returns whether it was kept, and notes
    /// whether a non-zero digit was cut.
    /// </summary>
    private static bool Keep(StringBuilder digits, byte digit, ref bool cutNonZero)
    {
        if (digits.Length == 0 && digit == (byte)'0')
        {
            return true; // a leading zero: kept as far as the power is concerned, it adds nothing
        }
        if (digits.Length < MaxDigits)
        {
            digits.Append((char)digit);
            return true;
        }
        cutNonZero |= digit != (byte)'0';
        return false;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;
}
