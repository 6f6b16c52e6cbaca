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
/// Parquet file) and values, or why it could not be read (a JSONL line that is not a JSON object). A CSV row keeps its
/// cells as the UTF-8 bytes the file holds, one byte apart in a block it shares with the rows around it (valid until the
/// rows are said to be done: <see cref="CellBlocks"/>), and makes a cell's text only when asked for it: the typed path
/// parses the bytes straight into a tensor, so a million rows of features make no strings. A row of a flat Parquet file
/// is likewise a place in its row group's typed columns (<see cref="ParquetColumnGroup"/>).
/// </summary>
public sealed class DatasetRow
{
    private DatasetValue[]? _values;
    private readonly byte[]? _cells;
    private readonly int _cellsStart;
    private readonly int[]? _cellEnds;
    private readonly int _endsStart;
    private readonly int _cellCount;

    public DatasetRow(long index, IReadOnlyList<string> names, DatasetValue[] values, string? error = null)
    {
        Index = index;
        Names = names;
        _values = values;
        Error = error;
    }

    /// <summary>Row <paramref name="position"/> of a Parquet row group read column by column.</summary>
    internal DatasetRow(long index, IReadOnlyList<string> names, ParquetColumnGroup columns, int position)
    {
        Index = index;
        Names = names;
        Columns = columns;
        Position = position;
    }

    /// <summary>
    /// A row of <paramref name="count"/> CSV cells, in arrays that other rows share: cell i is the bytes of
    /// <paramref name="cells"/> from one past the end of cell i-1 (from <paramref name="cellsStart"/> for the first) to
    /// <paramref name="cellEnds"/>[<paramref name="endsStart"/> + i]; the byte between two cells is the file's separator
    /// when the record is copied as it was read (see <see cref="PlainRecord"/>).
    /// </summary>
    internal DatasetRow(long index, IReadOnlyList<string> names, byte[] cells, int cellsStart, int[] cellEnds, int endsStart, int count)
    {
        Index = index;
        Names = names;
        _cells = cells;
        _cellsStart = cellsStart;
        _cellEnds = cellEnds;
        _endsStart = endsStart;
        _cellCount = count;
    }

    public long Index { get; }

    public IReadOnlyList<string> Names { get; }

    /// <summary>How many values the row has.</summary>
    public int Count => _values?.Length ?? (_cellEnds is null ? Names.Count : _cellCount);

#pragma warning disable CA1819 // Read by position, in step with Names.
    public DatasetValue[] Values => _values ??= [.. Enumerable.Range(0, Count).Select(ValueAt)];
#pragma warning restore CA1819

    /// <summary>Why the row could not be read; null when it was.</summary>
    public string? Error { get; }

    /// <summary>Whether the values are CSV cells held as bytes (see <see cref="CellBytes"/>).</summary>
    internal bool HasCellBytes => _cells is not null && _values is null;

    /// <summary>The row group a Parquet row was read from, column by column, and the row's place in it; null otherwise.</summary>
    internal ParquetColumnGroup? Columns { get; }

    internal int Position { get; }

    /// <summary>Value <paramref name="i"/>, made from the cell's bytes or the row group's column if it is one.</summary>
    public DatasetValue ValueAt(int i) =>
        _values is { } values ? values[i]
        : Columns is { } columns ? columns.ValueAt(i, Position)
        : DatasetValue.Cell(System.Text.Encoding.UTF8.GetString(CellBytes(i)));

    /// <summary>The UTF-8 bytes of cell <paramref name="i"/> of a CSV row (<see cref="HasCellBytes"/>).</summary>
    internal ReadOnlySpan<byte> CellBytes(int i)
    {
        var start = i == 0 ? _cellsStart : _cellEnds![_endsStart + i - 1] + 1;
        return _cells.AsSpan(start, _cellEnds![_endsStart + i] - start);
    }

    /// <summary>The position of the column named <paramref name="name"/>; -1 when the row has none.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The value of the column named <paramref name="name"/>, if the row has it.</summary>
    public bool TryGet(string name, out DatasetValue value)
    {
        var i = IndexOf(name);
        value = i < 0 ? default : ValueAt(i);
        return i >= 0;
    }
}
