using System.Text.Json.Serialization;

namespace InferenceService.Contracts;

/// <summary>
/// <c>POST /v2/jobs</c> with a JSON body: a job over a file already on the server, under <c>Jobs:InputRoot</c>.
/// (An upload gives the same settings in the query string instead.)
/// </summary>
public sealed record SubmitJobRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }

    [JsonPropertyName("version")] public string? Version { get; init; }

    [JsonPropertyName("input")] public JobInputReference? Input { get; init; }

    /// <summary>A column passed through to every output and error row.</summary>
    [JsonPropertyName("key")] public string? Key { get; init; }

    /// <summary>Model input name → the column that feeds it.</summary>
    [JsonPropertyName("columns")] public IReadOnlyDictionary<string, string>? Columns { get; init; }

    /// <summary>jsonl, csv or parquet; default: the input's format.</summary>
    [JsonPropertyName("output_format")] public string? OutputFormat { get; init; }

    [JsonPropertyName("batch_size")] public int? BatchSize { get; init; }

    [JsonPropertyName("max_failed_rows")] public long? MaxFailedRows { get; init; }

    [JsonPropertyName("max_failed_ratio")] public double? MaxFailedRatio { get; init; }

    [JsonPropertyName("outputs")] public IReadOnlyList<string>? Outputs { get; init; }
}

/// <summary>Where a server-side input is: a path relative to <c>Jobs:InputRoot</c>.</summary>
public sealed record JobInputReference([property: JsonPropertyName("path")] string? Path);

/// <summary>A batch job as <c>GET /v2/jobs/{id}</c> answers it.</summary>
public sealed record JobResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("rows")] JobRows Rows,
    [property: JsonPropertyName("rows_per_second")] double? RowsPerSecond,
    [property: JsonPropertyName("eta_seconds")] double? EtaSeconds,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("started")] DateTimeOffset? Started,
    [property: JsonPropertyName("finished")] DateTimeOffset? Finished,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("input_format")] string InputFormat,
    [property: JsonPropertyName("output_format")] string OutputFormat);

/// <summary>A job's rows: in the input (once counted), succeeded, failed.</summary>
public sealed record JobRows(
    [property: JsonPropertyName("total")] long? Total,
    [property: JsonPropertyName("succeeded")] long Succeeded,
    [property: JsonPropertyName("failed")] long Failed);

/// <summary><c>GET /v2/jobs</c>: a page of jobs, newest first.</summary>
public sealed record JobListResponse(
    [property: JsonPropertyName("jobs")] IReadOnlyList<JobResponse> Jobs,
    [property: JsonPropertyName("offset")] int Offset,
    [property: JsonPropertyName("limit")] int Limit,
    [property: JsonPropertyName("next_offset")] int? NextOffset);

/// <summary>Source-generated serialization of the job API's wire types.</summary>
[JsonSourceGenerationOptions(AllowDuplicateProperties = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SubmitJobRequest))]
[JsonSerializable(typeof(JobResponse))]
[JsonSerializable(typeof(JobListResponse))]
internal sealed partial class JobContractsJsonContext : JsonSerializerContext;
