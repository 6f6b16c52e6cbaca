using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Jobs;

/// <summary>Opens, counts and shards dataset files of any of the formats.</summary>
public static class DatasetReaders
{
    /// <summary>Opens <paramref name="path"/> to read the rows of <paramref name="range"/>.</summary>
    public static IDatasetReader Open(string path, DatasetFormat format, RowRange range)
    {
        var stream = OpenRead(path);
        return format switch
        {
            DatasetFormat.Csv => new CsvDatasetReader(stream, range),
            DatasetFormat.Jsonl => new JsonlDatasetReader(stream, range),
            _ => new ParquetDatasetReader(stream, range),
        };
    }

    /// <summary>The rows in the file (Parquet: from its footer; the others: by reading it through once).</summary>
    /// <exception cref="InferenceException">The file is not a readable dataset of that format.</exception>
    public static async Task<long> CountAsync(string path, DatasetFormat format, CancellationToken cancellationToken)
    {
        await using var stream = OpenRead(path);
        try
        {
            return format switch
            {
                DatasetFormat.Csv => await CsvDatasetReader.CountAsync(stream, cancellationToken),
                DatasetFormat.Jsonl => await JsonlDatasetReader.CountAsync(stream, cancellationToken),
                _ => (await ParquetDatasetReader.RowGroupSizesAsync(stream, cancellationToken)).Sum(),
            };
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or FormatException && format == DatasetFormat.Parquet)
        {
            throw InferenceException.InvalidInput("The input is not a readable Parquet file.");
        }
    }

    /// <summary>
    /// The rows of shard <paramref name="index"/> of <paramref name="count"/>: consecutive row groups of a Parquet file,
    /// consecutive line ranges of the others, so the shards' outputs laid end to end are the whole file's output.
    /// </summary>
    public static async Task<RowRange> ShardAsync(string path, DatasetFormat format, int index, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        if (format == DatasetFormat.Parquet)
        {
            await using var stream = OpenRead(path);
            var groups = await ParquetDatasetReader.RowGroupSizesAsync(stream, cancellationToken);
            var (first, last) = (groups.Length * (long)index / count, groups.Length * (long)(index + 1) / count);
            var start = groups.Take((int)first).Sum();
            return new RowRange(start, start + groups.Skip((int)first).Take((int)(last - first)).Sum());
        }
        var total = await CountAsync(path, format, cancellationToken);
        return new RowRange(total * index / count, total * (index + 1) / count);
    }

    private static FileStream OpenRead(string path) =>
        new(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 1 << 20, Options = FileOptions.SequentialScan });
}
