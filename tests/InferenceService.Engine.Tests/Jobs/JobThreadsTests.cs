using InferenceService.Engine.Jobs;

namespace InferenceService.Engine.Tests.Jobs;

public sealed class JobThreadsTests : IDisposable
{
    private readonly JobThreads _threads = new(2);

    public void Dispose() => _threads.Dispose();

    [Fact]
    public async Task Run_AwaitsOfTheWork_ResumeOnTheJobThreads()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<(string? Name, TaskScheduler Scheduler)>();

        var work = _threads.Run(async () =>
        {
            seen.Add((Thread.CurrentThread.Name, TaskScheduler.Current));
            await released.Task; // completed from a pool thread below
            seen.Add((Thread.CurrentThread.Name, TaskScheduler.Current));
            await Task.Yield();
            seen.Add((Thread.CurrentThread.Name, TaskScheduler.Current));
        });
        await Task.Run(released.SetResult);
        await work;

        Assert.Equal(3, seen.Count);
        Assert.All(seen, s => Assert.Equal(("Batch job", (TaskScheduler)_threads), s));
    }

    [Fact]
    public async Task Run_TasksStartedOnTheCurrentScheduler_RunThereToo()
    {
        string? name = null;
        await _threads.Run(async () =>
        {
            name = await Task.Factory.StartNew(() => Thread.CurrentThread.Name, CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Current);
        });

        Assert.Equal("Batch job", name);
    }

    [Fact]
    public async Task Run_WorkThatThrows_FaultsItsTaskAndTheThreadsGoOn()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => _threads.Run(() => throw new InvalidOperationException("broken row")));

        var ran = false;
        await _threads.Run(() =>
        {
            ran = true;
            return Task.CompletedTask;
        });
        Assert.True(ran);
    }

    [Fact]
    public async Task Run_AfterDispose_RunsOnThePool()
    {
        _threads.Dispose();

        var onThePool = false;
        await _threads.Run(() =>
        {
            onThePool = Thread.CurrentThread.IsThreadPoolThread;
            return Task.CompletedTask;
        });

        Assert.True(onThePool);
    }
}
