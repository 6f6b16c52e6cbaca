using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// Reads one dataset value straight into a tensor element, as the real-time JSON decoder would read the same value
/// (the same parsers, the same rounding, the same ranges), without making its JSON text first. It only ever says yes
/// when it is sure: a value it does not take (out of range, not a number, a spelling the JSON path rewrites, such as
/// CSV's <c>007</c> or <c>+1</c>) returns false, and the caller hands the batch to the JSON path, which gives the row its
/// usual message. So a row is accepted and decoded to the same bits, or refused with the same words, either way.
/// </summary>
internal static class TypedCellParser
{
    /// <summary>Whether the fast path can write elements of <paramref name="type"/>.</summary>
    public static bool Supports(TensorElementType type) => type is TensorElementType.Float or TensorElementType.Double
        or TensorElementType.Float16 or TensorElementType.BFloat16 or TensorElementType.Int8 or TensorElementType.Int16
        or TensorElementType.Int32 or TensorElementType.Int64 or TensorElementType.UInt8 or TensorElementType.UInt16
        or TensorElementType.UInt32 or TensorElementType.UInt64 or TensorElementType.Bool;

    /// <summary>
    /// A CSV cell (its UTF-8 bytes) as element <paramref name="index"/> of <paramref name="destination"/>. A cell
    /// becomes a JSON number when its trimmed text is one (see <see cref="DatasetValue.ToJson"/>); only that case is
    /// taken here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot for every element of a job: optimized from the first row, not after tiering
    public static bool TryWriteCell(ReadOnlySpan<byte> cell, TensorElementType type, Span<byte> destination, int index)
    {
        // The common cell, a float and nothing else, read in one pass; the checks below would take it to the same bits.
        if (type == TensorElementType.Float && FastFloatText.TryParseSingle(cell, out var single))
        {
            return Put(destination, index, single);
        }
        if (type == TensorElementType.Double && FastFloatText.TryParseDouble(cell, out var wide))
        {
            return Put(destination, index, wide);
        }
        return TryWriteCheckedCell(cell, type, destination, index);
    }

    /// <summary>A cell that is not plainly a number of its type: trimmed, checked against the grammar, then read.</summary>
    public static bool TryWriteCheckedCell(ReadOnlySpan<byte> cell, TensorElementType type, Span<byte> destination, int index)
    {
        var text = TrimAscii(cell, out var plain);
        return plain && IsJsonNumber(text) && TryWriteNumber(text, type, destination, index);
    }

    /// <summary>A JSON scalar (JSON Lines, Parquet: its JSON text, ASCII) as element <paramref name="index"/>.</summary>
    public static bool TryWriteJsonScalar(ReadOnlySpan<byte> json, TensorElementType type, Span<byte> destination, int index)
    {
        if (type == TensorElementType.Bool)
        {
            var isTrue = json.SequenceEqual("true"u8);
            if (!isTrue && !json.SequenceEqual("false"u8))
            {
                return false;
            }
            destination[index] = isTrue ? (byte)1 : (byte)0;
            return true;
        }
        return IsJsonNumber(json) && TryWriteNumber(json, type, destination, index);
    }

    /// <summary>JSON number text as an element, exactly as the JSON decoder's element readers read it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot for every element of a job: optimized from the first row, not after tiering
    public static bool TryWriteNumber(ReadOnlySpan<byte> number, TensorElementType type, Span<byte> destination, int index)
    {
        switch (type)
        {
            case TensorElementType.Float:
                return FastFloatText.ParseSingle(number, out var single) && Put(destination, index, single);
            case TensorElementType.Double:
                return FastFloatText.ParseDouble(number, out var wide) && Put(destination, index, wide);
            case TensorElementType.Float16:
                return Half.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var half) && Half.IsFinite(half) && Put(destination, index, half);
            case TensorElementType.BFloat16:
                if (!FastFloatText.ParseDouble(number, out var nearest))
                {
                    return false;
                }
                var brain = BFloat16Rounding.FromText(number, nearest);
                return float.IsFinite((float)brain) && Put(destination, index, brain);
            case TensorElementType.Int8:
                return Signed(number, sbyte.MinValue, sbyte.MaxValue, out var i8) && Put(destination, index, (sbyte)i8);
            case TensorElementType.Int16:
                return Signed(number, short.MinValue, short.MaxValue, out var i16) && Put(destination, index, (short)i16);
            case TensorElementType.Int32:
                return Signed(number, int.MinValue, int.MaxValue, out var i32) && Put(destination, index, (int)i32);
            case TensorElementType.Int64:
                return Signed(number, long.MinValue, long.MaxValue, out var i64) && Put(destination, index, i64);
            case TensorElementType.UInt8:
                return Unsigned(number, byte.MaxValue, out var u8) && Put(destination, index, (byte)u8);
            case TensorElementType.UInt16:
                return Unsigned(number, ushort.MaxValue, out var u16) && Put(destination, index, (ushort)u16);
            case TensorElementType.UInt32:
                return Unsigned(number, uint.MaxValue, out var u32) && Put(destination, index, (uint)u32);
            case TensorElementType.UInt64:
                return Unsigned(number, ulong.MaxValue, out var u64) && Put(destination, index, u64);
            default:
                // BOOL takes JSON true and false only, never a number; strings are not fixed-size.
                return false;
        }
    }

    /// <summary>Plain integer text that fits 64 bits (what JsonElement.TryGetInt64 takes), within the type's range.</summary>
    private static bool Signed(ReadOnlySpan<byte> number, long min, long max, out long value) =>
        Utf8Parser.TryParse(number, out value, out var used) && used == number.Length && value >= min && value <= max;

    private static bool Unsigned(ReadOnlySpan<byte> number, ulong max, out ulong value) =>
        Utf8Parser.TryParse(number, out value, out var used) && used == number.Length && value <= max;

    /// <summary>Writes element <paramref name="index"/> of a tensor's bytes; true, so it ends a chain of checks.</summary>
    internal static bool Put<T>(Span<byte> destination, int index, T value) where T : unmanaged
    {
        MemoryMarshal.Cast<byte, T>(destination)[index] = value;
        return true;
    }

    /// <summary>
    /// The cell without leading and trailing ASCII white space; <paramref name="plain"/> false when the cell has a
    /// byte outside ASCII (its trimming by string.Trim could differ, so the JSON path decides).
    /// </summary>
    private static ReadOnlySpan<byte> TrimAscii(ReadOnlySpan<byte> cell, out bool plain)
    {
        plain = System.Text.Ascii.IsValid(cell);
        return cell[System.Text.Ascii.Trim(cell)];
    }

    /// <summary>RFC 8259's number grammar, as <see cref="DatasetValue.IsJsonNumber"/> checks it on text.</summary>
    internal static bool IsJsonNumber(ReadOnlySpan<byte> text) => JsonNumberText.IsNumber(text);
}
