using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// A CSV record without a quote is its cells and the commas between them, nothing to decode: copied whole in one move
/// and split where the commas are, found 32 bytes at a time, where asking the tokenizer for each cell and copying it
/// costs a call and a short copy a cell (64 of them a row of features). The separator and the quote are those of the
/// job reader's CsvHelper options (a comma, a double quote, no trimming).
/// </summary>
internal static class PlainRecord
{
    /// <summary>
    /// Copies <paramref name="raw"/> to <paramref name="destination"/> and fills <paramref name="ends"/> with where each
    /// cell ends in it (offset by <paramref name="offset"/>), if the record has no quote and exactly
    /// <c>ends.Length</c> cells; otherwise returns <see langword="false"/> and the record is to be decoded cell by cell.
    /// </summary>
    public static bool TryCopy(ReadOnlySpan<byte> raw, Span<byte> destination, Span<int> ends, int offset)
    {
        if (ends.Length == 0 || raw.Contains((byte)'"'))
        {
            return false;
        }
        var found = 0;
        var i = 0;
        ref var first = ref MemoryMarshal.GetReference(raw);
        if (Vector256.IsHardwareAccelerated)
        {
            var commas = Vector256.Create((byte)',');
            for (; i + Vector256<byte>.Count <= raw.Length; i += Vector256<byte>.Count)
            {
                var bits = Vector256.Equals(Vector256.LoadUnsafe(ref first, (nuint)i), commas).ExtractMostSignificantBits();
                for (; bits != 0; bits &= bits - 1)
                {
                    if (!TryAddEnd(ends, ref found, offset + i + BitOperations.TrailingZeroCount(bits)))
                    {
                        return false;
                    }
                }
            }
        }
        for (; i < raw.Length; i++)
        {
            if (raw[i] == (byte)',' && !TryAddEnd(ends, ref found, offset + i))
            {
                return false;
            }
        }
        if (found != ends.Length - 1)
        {
            return false;
        }
        ends[found] = offset + raw.Length;
        raw.CopyTo(destination);
        return true;
    }

    /// <summary>A comma at <paramref name="at"/> ends a cell; false when it is one more than the tokenizer found.</summary>
    private static bool TryAddEnd(Span<int> ends, ref int found, int at)
    {
        if (found == ends.Length - 1)
        {
            return false;
        }
        ends[found++] = at;
        return true;
    }
}
