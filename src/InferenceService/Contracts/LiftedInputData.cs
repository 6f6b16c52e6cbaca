using System.Buffers;
using InferenceService.Engine.Tensors;

namespace InferenceService.Contracts;

/// <summary>
/// The inputs' data of a request body that are arrays of numbers (the Open Inference Protocol's flat
/// <c>$.inputs[i].data</c>, the simple API's rectangular <c>$.inputs.&lt;name&gt;</c>), found by one scan of the body's
/// text, and the body without their contents (<c>"data": []</c>) for the JSON parser. Most of a large request is its
/// data; parsing it into a document only to read every number again cost more than the model's Run (a 64x64 image), so
/// the numbers are read once, straight from the text, into the tensor (<see cref="JsonNumberArray"/>). Nothing else
/// changes: an array and an empty array are both values, so the lighter body is valid JSON exactly when the body is (a
/// body that is not is parsed again whole, for its own error); a nest is lifted only if the body could have held it
/// (the document's depth limit), and every other property stays where the reader looks for it; only positions move,
/// which <see cref="OriginalOffset"/> maps back for messages.
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

    /// <summary>
    /// The number arrays among <paramref name="json"/>'s inputs' data, where <paramref name="layout"/> keeps them, that
    /// nest no deeper than a document may (<paramref name="maxDepth"/> levels, the body's own included); null when there is none.
    /// </summary>
    public static LiftedInputData? Find(ReadOnlySpan<byte> json, InputDataLayout layout, int maxDepth)
    {
        List<Region>? regions = null;
        var removed = 0;
        var depth = 0;
        var inputsDepth = -1; // the depth inside $.inputs while the scan is in it
        var inputsStart = -1; // where $.inputs opens
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
                    if (value >= json.Length)
                    {
                        break;
                    }
                    if (depth == 1 && name.SequenceEqual("inputs"u8) && json[value] == (layout == InputDataLayout.Simple ? (byte)'{' : (byte)'['))
                    {
                        inputsStart = value; // the Open Inference Protocol's array, or the simple API's object
                    }
                    else if (json[value] == (byte)'[' && TryMeasure(json, value, layout, depth, inputsDepth, name, maxDepth) is { } array)
                    {
                        (regions ??= []).Add(array with { CompactedStart = value - removed });
                        removed += array.Length - 2;
                        i = value + array.Length;
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

    /// <summary>
    /// The array at <paramref name="start"/>, the value of property <paramref name="name"/> at <paramref name="depth"/>,
    /// when it is an input's data in <paramref name="layout"/> and numbers only: flat for the protocol, rectangular for
    /// the simple API.
    /// </summary>
    private static Region? TryMeasure(ReadOnlySpan<byte> json, int start, InputDataLayout layout, int depth, int inputsDepth, ReadOnlySpan<byte> name, int maxDepth)
    {
        switch (layout)
        {
            case InputDataLayout.Protocol when depth == 3 && inputsDepth == 2 && name.SequenceEqual("data"u8)
                && JsonNumberArray.TryMeasure(json, start, 1, out var end, out var shape, out var count):
                return new Region(start, end - start, shape, count, 0);
            // Lifting takes the nesting out of the document, so it may only take what the document could have held.
            case InputDataLayout.Simple when depth == 2 && inputsDepth == 2 && maxDepth > depth
                && JsonNumberArray.TryMeasure(json, start, maxDepth - depth, out var end, out var shape, out var count):
                return new Region(start, end - start, shape, count, 0);
            default:
                return null;
        }
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
    public JsonNumberArray? At(int compactedOffset, ReadOnlyMemory<byte> json)
    {
        foreach (var region in _regions)
        {
            if (region.CompactedStart == compactedOffset)
            {
                return new JsonNumberArray(json.Slice(region.Start, region.Length), region.Shape, region.Count);
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
    /// <param name="Shape">Its nesting's shape.</param>
    /// <param name="Count">How many numbers it holds.</param>
    /// <param name="CompactedStart">Where its <c>[</c> is in the lighter body.</param>
    private readonly record struct Region(int Start, int Length, long[] Shape, int Count, int CompactedStart);
}

/// <summary>Where a request body keeps its inputs' data, for <see cref="LiftedInputData"/>.</summary>
internal enum InputDataLayout
{
    /// <summary>Nothing is lifted: the whole body is parsed.</summary>
    None,

    /// <summary>The Open Inference Protocol: <c>$.inputs[i].data</c>, a flat array (the shape is given beside it).</summary>
    Protocol,

    /// <summary>The simple API (<c>/predict</c>): <c>$.inputs.&lt;name&gt;</c>, nested as the tensor's shape.</summary>
    Simple,
}
