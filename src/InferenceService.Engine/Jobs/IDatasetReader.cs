namespace InferenceService.Engine.Jobs;

/// <summary>Rows of a dataset file, in order, each with its index in the whole file.</summary>
public interface IDatasetReader : IAsyncDisposable
{
    /// <summary>The next row of the range read, or null after its last.</summary>
    ValueTask<DatasetRow?> ReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every row before <paramref name="nextRow"/> is done with (written, or dropped): the reader may reuse what it
    /// holds them in, and no row before it may be read from afterwards. May be called from another thread than
    /// <see cref="ReadAsync"/>'s. A reader whose rows are never said to be done keeps nothing for them.
    /// </summary>
    void RowsDone(long nextRow)
    {
    }
}

/// <summary>The rows [<see cref="Start"/>, <see cref="End"/>) of a file; <see cref="End"/> null: to its end.</summary>
public readonly record struct RowRange(long Start, long? End)
{
    public static RowRange All { get; } = new(0, null);

    public bool Contains(long row) => row >= Start && (End is null || row < End);

    public bool IsPast(long row) => End is { } end && row >= end;
}
