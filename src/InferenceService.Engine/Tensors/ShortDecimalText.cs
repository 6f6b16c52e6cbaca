using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// Short plain decimals, the most common cell of a dataset (0.1234, 42, -3.5: a minus perhaps, then at most eight
/// characters of digits and one point), read as one 64-bit word: the point found and dropped, the digits checked and
/// folded with three multiplications, where a loop over the characters takes a compare, a branch and a multiply-add
/// for each. Anything else (an exponent, more characters, a leading zero that JSON forbids) is left to the caller's
/// scan, which takes every number.
/// </summary>
internal static class ShortDecimalText
{
    private const ulong EveryByte = 0x0101_0101_0101_0101;
    private const ulong HighBits = 0x8080_8080_8080_8080;
    private const ulong HighNibbles = 0xF0F0_F0F0_F0F0_F0F0;
    private const ulong ZeroDigits = 0x3030_3030_3030_3030; // "00000000"

    /// <summary>
    /// Reads <paramref name="text"/> if it is one such decimal and nothing else: its digits as
    /// <paramref name="significand"/> (below 10^8) scaled by 10^<paramref name="power"/> (0 to -6).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> text, out uint significand, out int power, out bool negative)
    {
        significand = 0;
        power = 0;
        negative = text.Length > 1 && text[0] == (byte)'-';
        if (negative)
        {
            text = text[1..];
        }
        var length = text.Length;
        if (!BitConverter.IsLittleEndian || (uint)(length - 1) > 7)
        {
            return false;
        }
        // The text in the word's low bytes, first character lowest; the bytes past it zero.
        var word = Load(text);
        var notPoint = word ^ (EveryByte * '.');
        var points = (notPoint - EveryByte) & ~notPoint & HighBits; // the lowest set bit marks the first '.' exactly
        var digits = length;
        var integerDigits = length;
        var packed = word;
        if (points != 0)
        {
            var at = BitOperations.TrailingZeroCount(points) >> 3;
            if (at == 0 || at == length - 1)
            {
                return false; // JSON wants a digit on both sides of the point
            }
            var before = (1UL << (at * 8)) - 1;
            packed = (word & before) | ((word >> 8) & ~before); // the characters after the point moved down over it
            digits = length - 1;
            integerDigits = at;
            power = at - digits;
        }
        if (integerDigits > 1 && (byte)packed == (byte)'0')
        {
            return false; // 01.5: a leading zero, which JSON refuses
        }
        // Right-aligned (the last digit in the top byte), leading zeros in front: eight digits whatever the count.
        var aligned = digits == 8 ? packed : (packed << ((8 - digits) * 8)) | (ZeroDigits >> (digits * 8));
        // Every byte '0' to '9' (a second point, a sign, a letter or a byte past ASCII fails it).
        if (((aligned & HighNibbles) | (((aligned + (EveryByte * 6)) & HighNibbles) >> 4)) != EveryByte * 0x33)
        {
            return false;
        }
        // Pairs, then fours, then all eight folded into one number: each step multiplies two lanes by their place.
        var value = aligned - ZeroDigits;
        value = (value * 10) + (value >> 8);
        const ulong lanes = 0x0000_00FF_0000_00FF;
        value = (((value & lanes) * (100 + (1_000_000UL << 32))) + (((value >> 16) & lanes) * (1 + (10_000UL << 32)))) >> 32;
        significand = (uint)value;
        return true;
    }

    /// <summary>One to eight bytes as a word, without reading past them: two overlapping loads, their common bytes alike.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Load(ReadOnlySpan<byte> text)
    {
        ref var first = ref MemoryMarshal.GetReference(text);
        var length = text.Length;
        if (length >= 4)
        {
            ulong low = Unsafe.ReadUnaligned<uint>(ref first);
            ulong high = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref first, length - 4));
            return low | (high << ((length - 4) * 8));
        }
        if (length >= 2)
        {
            ulong low = Unsafe.ReadUnaligned<ushort>(ref first);
            ulong high = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref first, length - 2));
            return low | (high << ((length - 2) * 8));
        }
        return first;
    }
}
