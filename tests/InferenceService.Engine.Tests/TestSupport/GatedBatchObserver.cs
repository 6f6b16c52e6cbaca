using InferenceService.Engine.Scheduling;

namespace InferenceService.Engine.Tests.TestSupport;

/// <summary>
/// Records every Run and holds the instance thread that made it until the test lets it go, so a test can keep an
/// instance busy (and the queue filling) for exactly as long as it needs.
/// </summary>
public sealed class GatedBatchObserver(bool holding = true) : IBatchObserver, IDisposable
{
    private readonly SemaphoreSlim _gate = new(0);
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly List<BatchExecution> _runs = [];
    private volatile bool _open = !holding;

    public IReadOnlyList<BatchExecution> Runs
    {
        get
        {
            lock (_runs)
            {
                return [.. _runs];
            }
        }
    }

    public void OnBatchExecuted(in BatchExecution batch)
    {
        lock (_runs)
        {
            _runs.Add(batch);
        }
        _arrived.Release();
        if (!_open)
        {
            _gate.Wait();
        }
    }

    /// <summary>Waits until a Run has finished and is being held.</summary>
    public async Task WaitForRunAsync()
    {
        if (!await _arrived.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("No Run was made.");
        }
    }

    /// <summary>Holds every Run from now on, until released.</summary>
    public void Hold() => _open = false;

    /// <summary>Lets <paramref name="runs"/> held or future Runs go on.</summary>
    public void Release(int runs = 1) => _gate.Release(runs);

    /// <summary>Lets every Run go on, now and from now on (the semaphores stay, for threads still on their way).</summary>
    public void Dispose()
    {
        _open = true;
        _gate.Release(1000);
    }
}
