namespace InferenceService.Client;

/// <summary>The server's name, version and the protocol extensions it implements.</summary>
public sealed record ServerMetadata(string Name, string Version, IReadOnlyList<string> Extensions);

/// <summary>An input or output as a model declares it: -1 for a dimension of any size.</summary>
public sealed record TensorMetadata(string Name, string Datatype, IReadOnlyList<long> Shape);

/// <summary>A model's versions, platform, inputs and outputs.</summary>
public sealed record ModelMetadata(string Name, IReadOnlyList<string> Versions, string Platform, IReadOnlyList<TensorMetadata> Inputs, IReadOnlyList<TensorMetadata> Outputs);

/// <summary>One model version of the repository and its state (READY, LOADING, UNAVAILABLE, FAILED, …).</summary>
public sealed record RepositoryModel(string Name, string Version, string State, string? Reason);

/// <summary>A count and the total nanoseconds of what it counts.</summary>
public sealed record StatisticDuration(long Count, long Nanoseconds);

/// <summary>Where a model version's successful requests spent their time, and how many failed.</summary>
public sealed record InferStatistics(StatisticDuration Success, StatisticDuration Fail, StatisticDuration Queue, StatisticDuration ComputeInput, StatisticDuration ComputeInfer, StatisticDuration ComputeOutput);

/// <summary>The Runs of one batch size.</summary>
public sealed record BatchStatistics(long BatchSize, StatisticDuration ComputeInput, StatisticDuration ComputeInfer, StatisticDuration ComputeOutput);

/// <summary>Triton's statistics extension: a model version's cumulative counters.</summary>
public sealed record ModelStatistics(string Name, string Version, long LastInferenceMs, long InferenceCount, long ExecutionCount, InferStatistics InferenceStats, IReadOnlyList<BatchStatistics> BatchStats);
