using System.Globalization;

namespace InferenceService.LoadGenerator.Cli;

/// <summary>The command line's value formats: durations such as <c>10s</c> and step lists such as <c>1,8,32</c>.</summary>
internal static class ValueParsers
{
    /// <summary>
    /// A duration: a number with a unit, <c>ms</c>, <c>s</c> or <c>m</c> (<c>500ms</c>, <c>1.5s</c>, <c>2m</c>); a bare
    /// number is seconds. Returns false for anything else, including negative values.
    /// </summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var s = text.Trim().ToLowerInvariant();
        var (number, unitMs) = s switch
        {
            _ when s.EndsWith("ms", StringComparison.Ordinal) => (s[..^2], 1.0),
            _ when s.EndsWith('s') => (s[..^1], 1000.0),
            _ when s.EndsWith('m') => (s[..^1], 60_000.0),
            _ => (s, 1000.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value) || value * unitMs > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }
        duration = TimeSpan.FromMilliseconds(value * unitMs);
        return true;
    }

    /// <summary>A comma-separated list of positive numbers (<c>1,8,32</c>), in the order given. Returns false if any entry is not one.</summary>
    public static bool TryParseList(string? text, out List<double> values)
    {
        values = [];
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                || !double.IsFinite(value) || value <= 0)
            {
                return false;
            }
            values.Add(value);
        }
        return true;
    }

    /// <summary>A duration as the command line writes it back: <c>250ms</c>, <c>10s</c>.</summary>
    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds >= 1 && duration.Milliseconds == 0
            ? $"{duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"
            : $"{duration.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
}
