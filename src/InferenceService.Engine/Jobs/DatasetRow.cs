using System.Globalization;
using System.Text.Json;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// One cell of a dataset row: JSON text (JSONL and Parquet values), or a CSV cell's raw text, which becomes a JSON
/// number when it reads as one and a JSON string otherwise (so the model's checks say "not a number" as they would to
/// a client sending that string).
/// </summary>
public readonly record struct DatasetValue(string Text, bool IsJson)
{
    public static DatasetValue Json(string text) => new(text, true);

    public static DatasetValue Cell(string text) => new(text, false);

    /// <summary>The value as JSON text, as a model input takes it.</summary>
    public string ToJson()
    {
        if (IsJson)
        {
            return Text;
        }
        var text = Text.Trim();
        if (IsJsonNumber(text))
        {
            return text;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return number.ToString("R", CultureInfo.InvariantCulture);
        }
        return JsonSerializer.Serialize(Text, JobsValueJsonContext.Default.String);
    }

    /// <summary>The value as a key is passed through: JSON as it is, a CSV cell as a string (leading zeros kept).</summary>
    public string ToKeyJson() => IsJson ? Text : JsonSerializer.Serialize(Text, JobsValueJsonContext.Default.String);

    /// <summary>The value as plain text (a key in a CSV or Parquet output): a JSON string unquoted, anything else as written.</summary>
    public string ToPlainText()
    {
        if (!IsJson)
        {
            return Text;
        }
        if (Text.Length > 0 && Text[0] == '"')
        {
            return JsonSerializer.Deserialize(Text, JobsValueJsonContext.Default.String) ?? "";
        }
        return Text;
    }

    /// <summary>RFC 8259's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</summary>
    internal static bool IsJsonNumber(ReadOnlySpan<char> text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '-')
        {
            i++;
        }
        if (i >= text.Length)
        {
            return false;
        }
        if (text[i] == '0')
        {
            i++;
        }
        else if (char.IsAsciiDigit(text[i]))
        {
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }
        else
        {
            return false;
        }
        if (i < text.Length && text[i] == '.')
        {
            i++;
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
            if (i == start)
            {
                return false;
            }
        }
        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            if (i < text.Length && (text[i] == '+' || text[i] == '-'))
            {
                i++;
            }
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
            if (i == start)
            {
                return false;
            }
        }
        return i == text.Length;
    }
}

/// <summary>
/// One row of a dataset: its 0-based index in the whole input, its column names (shared by every row of a CSV or
/// Parquet file) and values, or why it could not be read (a JSONL line that is not a JSON object).
/// </summary>
public sealed class DatasetRow(long index, IReadOnlyList<string> names, DatasetValue[] values, string? error = null)
{
    public long Index { get; } = index;

    public IReadOnlyList<string> Names { get; } = names;

#pragma warning disable CA1819 // Read by position, in step with Names.
    public DatasetValue[] Values { get; } = values;
#pragma warning restore CA1819

    /// <summary>Why the row could not be read; null when it was.</summary>
    public string? Error { get; } = error;

    /// <summary>The value of the column named <paramref name="name"/>, if the row has it.</summary>
    public bool TryGet(string name, out DatasetValue value)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.Ordinal))
            {
                value = Values[i];
                return true;
            }
        }
        value = default;
        return false;
    }
}
