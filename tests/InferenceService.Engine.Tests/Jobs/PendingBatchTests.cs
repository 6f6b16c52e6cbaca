using InferenceService.Engine.Jobs;
using InferenceService.Engine.Scheduling;

namespace InferenceService.Engine.Tests.Jobs;

/// <summary>A batch the job leaves behind releases its outputs in each state it can be left in.</summary>
public sealed class PendingBatchTests
{
    [Fact]
    public void Dispose_RunButNeverWritten_ReleasesTheOutputs()
    {
        var memory = new CountingMemory();
        var batch = new PendingBatch([]) { Run = Task.FromResult(Result(memory)) };

        batch.Dispose();

        Assert.Equal(1, memory.Disposals);
    }

    [Fact]
    public void Dispose_StillRunning_ReleasesTheOutputsWhenTheRunEnds()
    {
        var memory = new CountingMemory();
        var run = new TaskCompletionSource<InferenceResult>(); // its continuations run inside SetResult
        var batch = new PendingBatch([]) { Run = run.Task };

        batch.Dispose();
        Assert.Equal(0, memory.Disposals);
        run.SetResult(Result(memory));

        Assert.Equal(1, memory.Disposals);
    }

    [Fact]
    public void Dispose_AfterTheWriterDisposedTheResult_ReleasesTheOutputsOnce()
    {
        var memory = new CountingMemory();
        var result = Result(memory);
        var batch = new PendingBatch([]) { Run = Task.FromResult(result) };

        result.Dispose(); // the writer's own disposal, after writing the rows
        batch.Dispose();

        Assert.Equal(1, memory.Disposals);
    }

    private static InferenceResult Result(CountingMemory memory) =>
        new(null!, [], [], new StageTimings(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, 1, 1), memory);

    private sealed class CountingMemory : IDisposable
    {
        private int _disposals;

        public int Disposals => Volatile.Read(ref _disposals);

        public void Dispose() => Interlocked.Increment(ref _disposals);
    }
}
