using InferenceService.Contracts;
using InferenceService.Grpc.Protocol;

namespace InferenceService.Grpc;

/// <summary>The statistics extension's counters (as the REST route reports them) in their protobuf form.</summary>
internal static class GrpcStatistics
{
    public static ModelStatistics Of(ModelStatisticsEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var stats = new ModelStatistics
        {
            Name = entry.Name,
            Version = entry.Version,
            LastInference = (ulong)Math.Max(0, entry.LastInference),
            InferenceCount = (ulong)Math.Max(0, entry.InferenceCount),
            ExecutionCount = (ulong)Math.Max(0, entry.ExecutionCount),
            InferenceStats = new InferStatistics
            {
                Success = Of(entry.InferenceStats.Success),
                Fail = Of(entry.InferenceStats.Fail),
                Queue = Of(entry.InferenceStats.Queue),
                ComputeInput = Of(entry.InferenceStats.ComputeInput),
                ComputeInfer = Of(entry.InferenceStats.ComputeInfer),
                ComputeOutput = Of(entry.InferenceStats.ComputeOutput),
            },
        };
        stats.BatchStats.AddRange(entry.BatchStats.Select(b => new InferBatchStatistics
        {
            BatchSize = (ulong)Math.Max(0, b.BatchSize),
            ComputeInput = Of(b.ComputeInput),
            ComputeInfer = Of(b.ComputeInfer),
            ComputeOutput = Of(b.ComputeOutput),
        }));
        return stats;
    }

    private static Protocol.StatisticDuration Of(Contracts.StatisticDuration duration) =>
        new() { Count = (ulong)Math.Max(0, duration.Count), Ns = (ulong)Math.Max(0, duration.Ns) };
}
