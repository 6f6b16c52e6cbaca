namespace InferenceService.Engine.Jobs;

/// <summary>Rows of a dataset file, in order, each with its index in the whole file.</summary>
public interface IDatasetReader : IAsyncDisposable
{
    /// <summary>The next row of the range read, or null after its last.</summary>
    ValueTask<DatasetRow?> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>The rows [<see cref="Start"/>, <see cref="End"/>) of a file; <see cref="End"/> null: to its end.</summary>
public readonly record struct RowRange(long Start, long? End)
{
    public static RowRange All { get; } = new(0, null);

    public bool Contains(long row) => row >= Start && (End is null || row < End);

    public bool IsPast(long row) => End is { } end && row >= end;
}
