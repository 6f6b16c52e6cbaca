using System.Text.Json;

namespace InferenceService.LoadGenerator.ServerStats;

/// <summary>
/// The counters of Triton's statistics extension (<c>GET /v2/models/{model}/stats</c>) at one moment, summed over the
/// versions listed. They only grow, so the difference between two snapshots is what happened in between.
/// </summary>
internal sealed record ModelStatsSnapshot
{
    /// <summary>Rows inferred (Triton counts a batch of 8 as 8).</summary>
    public long InferenceCount { get; init; }

    /// <summary>Model runs (a batch of 8 requests run together is one).</summary>
    public long ExecutionCount { get; init; }

    public StatsDuration Success { get; init; }
    public StatsDuration Fail { get; init; }
    public StatsDuration Queue { get; init; }
    public StatsDuration ComputeInput { get; init; }
    public StatsDuration ComputeInfer { get; init; }
    public StatsDuration ComputeOutput { get; init; }

    /// <summary>Runs by batch size, from <c>batch_stats</c>.</summary>
    public IReadOnlyDictionary<long, long> ExecutionsByBatchSize { get; init; } = new Dictionary<long, long>();

    /// <summary>Reads the extension's JSON; throws <see cref="FormatException"/> when it is not that shape.</summary>
    public static ModelStatsSnapshot Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var total = new ModelStatsSnapshot();
            var batches = new Dictionary<long, long>();
            foreach (var model in document.RootElement.GetProperty("model_stats").EnumerateArray())
            {
                var stats = model.GetProperty("inference_stats");
                total = new ModelStatsSnapshot
                {
                    InferenceCount = total.InferenceCount + Long(model, "inference_count"),
                    ExecutionCount = total.ExecutionCount + Long(model, "execution_count"),
                    Success = total.Success + Duration(stats, "success"),
                    Fail = total.Fail + Duration(stats, "fail"),
                    Queue = total.Queue + Duration(stats, "queue"),
                    ComputeInput = total.ComputeInput + Duration(stats, "compute_input"),
                    ComputeInfer = total.ComputeInfer + Duration(stats, "compute_infer"),
                    ComputeOutput = total.ComputeOutput + Duration(stats, "compute_output"),
                };
                if (model.TryGetProperty("batch_stats", out var batchStats) && batchStats.ValueKind == JsonValueKind.Array)
                {
                    foreach (var batch in batchStats.EnumerateArray())
                    {
                        var size = Long(batch, "batch_size");
                        batches[size] = batches.GetValueOrDefault(size) + Duration(batch, "compute_infer").Count;
                    }
                }
            }
            return total with { ExecutionsByBatchSize = batches };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"The statistics are not in the statistics extension's shape: {e.Message}", e);
        }
    }

    // Triton writes 64-bit counters as JSON numbers; some proxies of it write them as strings. Both are read.
    private static long Long(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : value.GetInt64()
            : 0;

    private static StatsDuration Duration(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) ? new StatsDuration(Long(value, "count"), Long(value, "ns")) : default;
}

/// <summary>One of the extension's <c>{"count", "ns"}</c> pairs: how many, and their total duration in nanoseconds.</summary>
internal readonly record struct StatsDuration(long Count, long Ns)
{
    public static StatsDuration operator +(StatsDuration a, StatsDuration b) => new(a.Count + b.Count, a.Ns + b.Ns);

    public static StatsDuration operator -(StatsDuration a, StatsDuration b) => new(a.Count - b.Count, a.Ns - b.Ns);

    /// <summary>Mean duration in milliseconds, or null when nothing was counted.</summary>
    public double? MeanMs => Count > 0 ? Math.Round(Ns / 1e6 / Count, 4) : null;
}
