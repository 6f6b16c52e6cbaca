using InferenceService.Engine.Scheduling;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// A batch observer that, while closed, holds the instance thread of each Run it hears of: the instance stays busy
/// and later requests stay queued, for exactly as long as a test needs.
/// </summary>
public sealed class RunGate : IBatchObserver
{
    private readonly ManualResetEventSlim _open = new(initialState: true);
    private readonly SemaphoreSlim _held = new(0);

    public void OnBatchExecuted(in BatchExecution batch)
    {
        if (!_open.IsSet)
        {
            _held.Release();
            _open.Wait();
        }
    }

    public void Close() => _open.Reset();

    public void Open() => _open.Set();

    /// <summary>Waits until a Run is held at the closed gate.</summary>
    public async Task WaitUntilHeldAsync()
    {
        Assert.True(await _held.WaitAsync(TimeSpan.FromSeconds(10)), "No Run reached the gate.");
    }
}
