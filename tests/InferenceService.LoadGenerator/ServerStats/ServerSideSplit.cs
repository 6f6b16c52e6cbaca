namespace InferenceService.LoadGenerator.ServerStats;

/// <summary>
/// Where a step's time went inside the server, from the statistics before and after it: waiting in the queue versus
/// computing, and how many rows each run carried (the batcher's effect, seen from the inside). Per-request means,
/// as Triton counts them: every request of a batch is charged the batch's compute time.
/// </summary>
internal sealed record ServerSideSplit
{
    public bool Available { get; init; }

    /// <summary>Why the split is missing (the server has no statistics extension, or answered something else).</summary>
    public string? Reason { get; init; }

    public long Succeeded { get; init; }
    public long Failed { get; init; }
    public long Rows { get; init; }
    public long Executions { get; init; }

    /// <summary>Rows per model run: 1 with batch-1 requests and no batching, more when requests were run together.</summary>
    public double? RowsPerExecution { get; init; }

    public double? QueueMs { get; init; }

    /// <summary>Input preparation, the run and output handling together.</summary>
    public double? ComputeMs { get; init; }

    public double? ComputeInferMs { get; init; }

    /// <summary>Model runs by batch size during the step.</summary>
    public IReadOnlyDictionary<long, long> ExecutionsByBatchSize { get; init; } = new Dictionary<long, long>();

    public static ServerSideSplit Unavailable(string reason) => new() { Available = false, Reason = reason };

    /// <summary>What happened between <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static ServerSideSplit Between(ModelStatsSnapshot before, ModelStatsSnapshot after)
    {
        var rows = after.InferenceCount - before.InferenceCount;
        var executions = after.ExecutionCount - before.ExecutionCount;
        var queue = after.Queue - before.Queue;
        var input = after.ComputeInput - before.ComputeInput;
        var infer = after.ComputeInfer - before.ComputeInfer;
        var output = after.ComputeOutput - before.ComputeOutput;
        var batches = after.ExecutionsByBatchSize
            .Select(e => (Size: e.Key, Count: e.Value - before.ExecutionsByBatchSize.GetValueOrDefault(e.Key)))
            .Where(e => e.Count > 0)
            .OrderBy(e => e.Size)
            .ToDictionary(e => e.Size, e => e.Count);
        return new ServerSideSplit
        {
            Available = true,
            Succeeded = (after.Success - before.Success).Count,
            Failed = (after.Fail - before.Fail).Count,
            Rows = rows,
            Executions = executions,
            RowsPerExecution = executions > 0 ? Math.Round((double)rows / executions, 2) : null,
            QueueMs = queue.MeanMs,
            ComputeMs = infer.Count > 0 ? Math.Round((input.Ns + infer.Ns + output.Ns) / 1e6 / infer.Count, 4) : null,
            ComputeInferMs = infer.MeanMs,
            ExecutionsByBatchSize = batches,
        };
    }
}
