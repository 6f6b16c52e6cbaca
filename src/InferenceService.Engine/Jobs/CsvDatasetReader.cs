using System.Buffers;
using System.Globalization;
using CsvHelper;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// A CSV file with a header row, read record by record (CsvHelper: quoting, escaped quotes and line breaks inside
/// quotes as RFC 4180 has them; empty lines skipped). A record with more or fewer cells than the header keeps what it
/// has (extra cells named column_N), so the model's checks report the wrong count as they would to a client.
/// </summary>
internal sealed class CsvDatasetReader(Stream stream, RowRange range) : IDatasetReader
{
    private static readonly CsvReaderOptions s_options = new() { HasHeader = true, SkipEmptyLines = true, FieldCountMismatch = CsvFieldCountHandling.Allow };

    /// <summary>How CsvHelper is set to read a job's CSV (for the benchmarks: the tokenizer alone, set alike).</summary>
    internal static CsvReaderOptions Options => s_options;

    private readonly CsvReader _reader = CsvReader.Create(stream, s_options, false);
    private string[]? _header;
    private long _next;
    private readonly CellBlocks _blocks = new();

    public async ValueTask<DatasetRow?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_header is null)
        {
            await _reader.ReadHeaderAsync(cancellationToken);
            _header = [.. _reader.Headers];
        }
        while (true)
        {
            if (range.IsPast(_next) || !await _reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            var index = _next++;
            if (!range.Contains(index))
            {
                continue;
            }
            var cells = _reader.FieldCount;
            // The cells' bytes, one byte apart in a block that rows share and that is reused once they are done: no
            // allocation a row but the row itself, rather than a string a cell. The raw record bounds their length
            // (decoding only takes quotes and escapes away, and the separators are the bytes between), so each cell
            // is decoded once.
            var raw = _reader.RawRecord;
            var (bytes, start, ends, endsStart) = _blocks.Take(index, cells, raw.Length);
            var rowEnds = ends.AsSpan(endsStart, cells);
            if (!PlainRecord.TryCopy(raw, bytes.AsSpan(start, raw.Length), rowEnds, start))
            {
                CopyDecoded(bytes, start, rowEnds);
            }
            return new DatasetRow(index, cells == _header.Length ? _header : NamesFor(cells), bytes, start, ends, endsStart, cells);
        }
    }

    /// <summary>Each cell of the record as CsvHelper decodes it (quotes and escapes taken away), one byte apart from the next.</summary>
    private void CopyDecoded(byte[] bytes, int start, Span<int> ends)
    {
        var end = start - 1;
        for (var i = 0; i < ends.Length; i++)
        {
            var cell = _reader.GetSpan(i);
            end++; // the byte between two cells
            cell.CopyTo(bytes.AsSpan(end));
            end += cell.Length;
            ends[i] = end;
        }
    }

    public void RowsDone(long nextRow) => _blocks.RowsDone(nextRow);

    /// <summary>Blocks of cells allocated so far (see <see cref="CellBlocks"/>).</summary>
    internal int BlocksAllocated => _blocks.Allocated;

    /// <summary>
    /// Counts the records after the header. The count runs beside the job, on the same cores: a plain file (no quote,
    /// no carriage return, no empty line, so every line is one record) is counted by its line feeds, a vectorized scan
    /// several times faster than parsing it; any other is counted by CsvHelper, which knows quoted line breaks and
    /// skips empty lines as the reader does.
    /// </summary>
    public static async Task<long> CountAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (await CountPlainLinesAsync(stream, cancellationToken) is { } plain)
        {
            return plain;
        }
        stream.Position = 0;
        await using var reader = CsvReader.Create(stream, s_options, true);
        long count = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            count++;
        }
        return count;
    }

    /// <summary>The chunk the plain count reads at a time.</summary>
    internal const int CountChunkBytes = 1 << 20;

    /// <summary>Records after the header of a plain file; null when the file is not plain (or is empty), and CsvHelper must count.</summary>
    private static async Task<long?> CountPlainLinesAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CountChunkBytes);
        try
        {
            long lineFeeds = 0;
            long total = 0;
            var last = (byte)'\n'; // as if a line ended just before the file: a line feed first is an empty line
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, CountChunkBytes), cancellationToken)) > 0)
            {
                var chunk = buffer.AsSpan(0, read);
                if (chunk.IndexOfAny((byte)'"', (byte)'\r') >= 0 || (last == (byte)'\n' && chunk[0] == (byte)'\n') || chunk.IndexOf("\n\n"u8) >= 0)
                {
                    return null;
                }
                lineFeeds += chunk.Count((byte)'\n');
                last = chunk[^1];
                total += read;
            }
            if (total == 0)
            {
                return null;
            }
            var lines = lineFeeds + (last == (byte)'\n' ? 0 : 1);
            return lines - 1; // the header
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private string[] NamesFor(int cells) =>
        [.. Enumerable.Range(0, cells).Select(i => i < _header!.Length ? _header[i] : string.Create(CultureInfo.InvariantCulture, $"column_{i + 1}"))];

    public ValueTask DisposeAsync() => _reader.DisposeAsync();
}
