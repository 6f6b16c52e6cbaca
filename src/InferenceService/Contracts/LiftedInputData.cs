using System.Buffers;
using InferenceService.Engine.Tensors;

namespace InferenceService.Contracts;

/// <summary>
/// The inputs' data arrays (<c>$.inputs[i].data</c>) of an Open Inference Protocol body that are flat arrays of
/// numbers, found by one scan of the body's text, and the body without their contents (<c>"data": []</c>) for the
/// JSON parser. Most of a large request is its data; parsing it into a document only to read every number again
/// cost more than the model's Run (a 224x224 image), so the numbers are read once, straight from the text, into the
/// tensor (<see cref="FlatJsonNumbers"/>). Nothing else changes: an array and an empty array are both values, so the
/// lighter body is valid JSON exactly when the body is (a body that is not is parsed again whole, for its own
/// error), nests as deep, and keeps every other property where the reader looks for it; only positions move, which
/// <see cref="OriginalOffset"/> maps back for messages.
/// </summary>
internal sealed class LiftedInputData
{
    private static readonly SearchValues<byte> s_structural = SearchValues.Create("\"{}[]"u8);
    private static readonly SearchValues<byte> s_stringEnd = SearchValues.Create("\"\\"u8);

    private readonly List<Region> _regions;

    private LiftedInputData(List<Region> regions, int compactedLength)
    {
        _regions = regions;
        CompactedLength = compactedLength;
    }

    /// <summary>The length of the body without the lifted arrays' contents.</summary>
    public int CompactedLength { get; }

    /// <summary>The flat number arrays among <paramref name="json"/>'s inputs' data; null when there is none.</summary>
    public static LiftedInputData? Find(ReadOnlySpan<byte> json)
    {
        List<Region>? regions = null;
        var removed = 0;
        var depth = 0;
        var inputsDepth = -1; // the depth inside $.inputs while the scan is in it
        var inputsStart = -1; // where $.inputs's array opens
        var i = 0;
        while (i < json.Length)
        {
            var next = json[i..].IndexOfAny(s_structural);
            if (next < 0)
            {
                break;
            }
            i += next;
            switch (json[i])
            {
                case (byte)'"':
                    var end = StringEnd(json, i);
                    if (end < 0)
                    {
                        i = json.Length; // an unterminated string: the parser will say so
                        break;
                    }
                    var name = json[(i + 1)..end];
                    i = end + 1;
                    var colon = SkipWhitespace(json, i);
                    if (colon >= json.Length || json[colon] != (byte)':')
                    {
                        break; // a string value, not a property name
                    }
                    var value = SkipWhitespace(json, colon + 1);
                    if (value >= json.Length || json[value] != (byte)'[')
                    {
                        break;
                    }
                    if (depth == 1 && name.SequenceEqual("inputs"u8))
                    {
                        inputsStart = value;
                    }
                    else if (depth == 3 && inputsDepth == 2 && name.SequenceEqual("data"u8)
                        && FlatJsonNumbers.TryMeasure(json, value, out var arrayEnd, out var count))
                    {
                        (regions ??= []).Add(new Region(value, arrayEnd - value, count, value - removed));
                        removed += arrayEnd - value - 2;
                        i = arrayEnd;
                    }
                    break;
                case (byte)'{' or (byte)'[':
                    depth++;
                    inputsDepth = i == inputsStart ? depth : inputsDepth;
                    i++;
                    break;
                default:
                    inputsDepth = depth == inputsDepth ? -1 : inputsDepth;
                    depth--;
                    i++;
                    break;
            }
        }
        return regions is null ? null : new LiftedInputData(regions, json.Length - removed);
    }

    /// <summary>Writes <paramref name="json"/> without the lifted arrays' contents (each left as <c>[]</c>).</summary>
    public void WriteCompacted(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        var from = 0;
        var to = 0;
        foreach (var region in _regions)
        {
            var kept = json[from..(region.Start + 1)];
            kept.CopyTo(destination[to..]);
            to += kept.Length;
            destination[to++] = (byte)']';
            from = region.Start + region.Length;
        }
        json[from..].CopyTo(destination[to..]);
    }

    /// <summary>Where the byte at <paramref name="compactedOffset"/> of the lighter body sits in the body itself.</summary>
    public int OriginalOffset(int compactedOffset)
    {
        var offset = compactedOffset;
        foreach (var region in _regions)
        {
            if (region.CompactedStart >= compactedOffset)
            {
                break;
            }
            offset += region.Length - 2;
        }
        return offset;
    }

    /// <summary>The numbers lifted from the array that opens at <paramref name="compactedOffset"/> of the lighter body, if any.</summary>
    public FlatJsonNumbers? At(int compactedOffset, ReadOnlyMemory<byte> json)
    {
        foreach (var region in _regions)
        {
            if (region.CompactedStart == compactedOffset)
            {
                return new FlatJsonNumbers(json.Slice(region.Start, region.Length), region.Count);
            }
        }
        return null;
    }

    /// <summary>The index of the quote that closes the string opening at <paramref name="start"/>; -1 when none does.</summary>
    private static int StringEnd(ReadOnlySpan<byte> json, int start)
    {
        var i = start + 1;
        while (i < json.Length)
        {
            var next = json[i..].IndexOfAny(s_stringEnd);
            if (next < 0)
            {
                return -1;
            }
            i += next;
            if (json[i] == (byte)'"')
            {
                return i;
            }
            i += 2; // an escape: the next byte is escaped, whatever it is
        }
        return -1;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            i++;
        }
        return i;
    }

    /// <param name="Start">Where the array's <c>[</c> is in the body.</param>
    /// <param name="Length">The array's length in the body, brackets included.</param>
    /// <param name="Count">How many numbers it holds.</param>
    /// <param name="CompactedStart">Where its <c>[</c> is in the lighter body.</param>
    private readonly record struct Region(int Start, int Length, int Count, int CompactedStart);
}
