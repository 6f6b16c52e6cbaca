using System.Globalization;
using System.Text.Json;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// A JSON Lines file: one object per line, its properties the row's columns (an array or number each). Blank lines are
/// skipped and not counted; a line that is not a JSON object is a bad row (the job goes on).
/// </summary>
internal sealed class JsonlDatasetReader(Stream stream, RowRange range) : IDatasetReader
{
    private readonly StreamReader _text = new(stream);
    private long _next;

    public async ValueTask<DatasetRow?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (range.IsPast(_next))
            {
                return null;
            }
            var line = await _text.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                return null;
            }
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var index = _next++;
            if (range.Contains(index))
            {
                return Parse(index, line);
            }
        }
    }

    private static DatasetRow Parse(long index, string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Bad(index, $"The line is a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object of column values.");
            }
            var names = new List<string>();
            var values = new List<DatasetValue>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                names.Add(property.Name);
                values.Add(DatasetValue.Json(property.Value.GetRawText()));
            }
            return new DatasetRow(index, names, [.. values]);
        }
        catch (JsonException e)
        {
            return Bad(index, string.Create(CultureInfo.InvariantCulture, $"The line is not valid JSON (at byte {e.BytePositionInLine ?? 0})."));
        }
    }

    private static DatasetRow Bad(long index, string error) => new(index, [], [], error);

    /// <summary>Counts the lines that are not blank.</summary>
    public static async Task<long> CountAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var text = new StreamReader(stream);
        long count = 0;
        while (await text.ReadLineAsync(cancellationToken) is { } line)
        {
            count += string.IsNullOrWhiteSpace(line) ? 0 : 1;
        }
        return count;
    }

    public ValueTask DisposeAsync()
    {
        _text.Dispose();
        return ValueTask.CompletedTask;
    }
}
