using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Jobs;

/// <summary>The file formats a batch job reads and writes.</summary>
public enum DatasetFormat
{
    /// <summary>Comma-separated values with a header row.</summary>
    Csv,

    /// <summary>One JSON object per line.</summary>
    Jsonl,

    /// <summary>Apache Parquet.</summary>
    Parquet,
}

/// <summary>Names, extensions and media types of <see cref="DatasetFormat"/>.</summary>
public static class DatasetFormats
{
    public const string CsvMediaType = "text/csv";
    public const string JsonlMediaType = "application/x-ndjson";
    public const string ParquetMediaType = "application/vnd.apache.parquet";

    public static string Name(DatasetFormat format) => format switch
    {
        DatasetFormat.Csv => "csv",
        DatasetFormat.Jsonl => "jsonl",
        _ => "parquet",
    };

    public static string Extension(DatasetFormat format) => "." + Name(format);

    public static string MediaType(DatasetFormat format) => format switch
    {
        DatasetFormat.Csv => CsvMediaType,
        DatasetFormat.Jsonl => JsonlMediaType,
        _ => ParquetMediaType,
    };

    /// <summary>The format named <paramref name="name"/> (csv, jsonl or parquet; ndjson is jsonl), or null.</summary>
    public static DatasetFormat? FromName(string? name) => name?.ToLowerInvariant() switch
    {
        "csv" => DatasetFormat.Csv,
        "jsonl" or "ndjson" => DatasetFormat.Jsonl,
        "parquet" => DatasetFormat.Parquet,
        _ => null,
    };

    /// <summary>The format of a file, from its extension.</summary>
    /// <exception cref="InferenceException">The extension is none of .csv, .jsonl, .ndjson, .parquet.</exception>
    public static DatasetFormat FromPath(string path) =>
        FromName(Path.GetExtension(path).TrimStart('.'))
        ?? throw InferenceException.InvalidInput($"The file '{Path.GetFileName(path)}' is not .csv, .jsonl or .parquet: its format is unknown.");

    /// <summary>The format of a request body, from its media type (parameters such as charset ignored), or null.</summary>
    public static DatasetFormat? FromMediaType(string? mediaType)
    {
        var type = mediaType?.Split(';')[0].Trim().ToLowerInvariant();
        return type switch
        {
            CsvMediaType => DatasetFormat.Csv,
            JsonlMediaType or "application/jsonl" or "application/x-jsonlines" => DatasetFormat.Jsonl,
            ParquetMediaType or "application/x-parquet" => DatasetFormat.Parquet,
            _ => null,
        };
    }
}
