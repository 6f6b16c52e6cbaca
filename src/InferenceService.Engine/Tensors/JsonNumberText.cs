using System.Runtime.CompilerServices;

namespace InferenceService.Engine.Tensors;

/// <summary>RFC 8259's number grammar on UTF-8 text: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
internal static class JsonNumberText
{
    /// <summary>Where the JSON number that starts at <paramref name="start"/> ends (just past it); -1 when none starts there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot for every number of a job and a large request: optimized from the first, not after tiering
    public static int End(ReadOnlySpan<byte> text, int start)
    {
        var i = start;
        if (i < text.Length && text[i] == (byte)'-')
        {
            i++;
        }
        if (i >= text.Length)
        {
            return -1;
        }
        if (text[i] == (byte)'0')
        {
            i++;
        }
        else if ((uint)(text[i] - '1') <= 8)
        {
            i = SkipDigits(text, i + 1);
        }
        else
        {
            return -1;
        }
        if (i < text.Length && text[i] == (byte)'.')
        {
            var digits = i + 1;
            i = SkipDigits(text, digits);
            if (i == digits)
            {
                return -1;
            }
        }
        if (i < text.Length && (text[i] | 0x20) == (byte)'e')
        {
            i++;
            if (i < text.Length && text[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }
            var digits = i;
            i = SkipDigits(text, digits);
            if (i == digits)
            {
                return -1;
            }
        }
        return i;
    }

    /// <summary>Whether <paramref name="text"/> is exactly one JSON number.</summary>
    public static bool IsNumber(ReadOnlySpan<byte> text) => End(text, 0) == text.Length;

    private static int SkipDigits(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && (uint)(text[i] - '0') <= 9)
        {
            i++;
        }
        return i;
    }
}
