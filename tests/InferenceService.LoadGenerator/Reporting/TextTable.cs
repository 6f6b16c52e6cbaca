namespace InferenceService.LoadGenerator.Reporting;

/// <summary>A plain-text table with right-aligned columns: readable in a terminal, a CI log or a README, with no width detection to get wrong.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    /// <summary>Left-align the last column too: for free text (details, lists), which reads badly pushed to the right.</summary>
    public bool TextLastColumn { get; init; }

    public void AddRow(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"A row needs {headers.Length} cells, not {cells.Length}.", nameof(cells));
        }
        _rows.Add(cells);
    }

    public void WriteTo(TextWriter writer)
    {
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        writer.WriteLine(Line(headers));
        writer.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        _rows.ForEach(r => writer.WriteLine(Line(r)));

        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) =>
            i == 0 || (TextLastColumn && i == cells.Length - 1) ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd();
    }
}
