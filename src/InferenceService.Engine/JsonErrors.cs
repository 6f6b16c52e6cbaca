using System.Text.Json;

namespace InferenceService.Engine;

/// <summary>Describes a JSON error by where and what, without the serializer's own message (which names .NET types).</summary>
public static class JsonErrors
{
    public static string Describe(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var where = e.Path is { Length: > 0 } path && path != "$" ? $" at {path}" : "";
        var line = e.LineNumber is { } l ? $" (line {l + 1}, byte {e.BytePositionInLine + 1})" : "";
        var what = e.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase) ? "a property is given twice"
            : e.Message.Contains("could not be converted", StringComparison.Ordinal) ? "a value has the wrong JSON type"
            : "malformed JSON";
        return $"{what}{where}{line}.";
    }
}
