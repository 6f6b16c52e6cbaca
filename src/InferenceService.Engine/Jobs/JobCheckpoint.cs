namespace InferenceService.Engine.Jobs;

/// <summary>
/// How far a job durably got: every input row before <see cref="NextRow"/> is in the output or the errors file, and
/// those files are exactly <see cref="OutputBytes"/> and <see cref="ErrorBytes"/> long at that point (written and
/// flushed to disk before this is stored). A resumed job cuts the files back to these lengths and reads on from
/// <see cref="NextRow"/>, so no row is lost or written twice.
/// </summary>
public readonly record struct JobCheckpoint(long NextRow, long Succeeded, long Failed, long OutputBytes, long ErrorBytes)
{
    public static JobCheckpoint Start(long firstRow) => new(firstRow, 0, 0, 0, 0);
}
