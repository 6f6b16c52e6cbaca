namespace InferenceService.Engine.Scheduling;

/// <summary>
/// The token a shared Run stops on: cancelled once every request in the batch has been cancelled. One caller leaving
/// does not disturb the others; a Run that nobody waits for any more is terminated instead of holding its instance
/// (under overload, callers that time out and retry would otherwise keep the instances busy with answers no one
/// reads). A batch with a request that can never be cancelled has no such token.
/// </summary>
internal sealed class EveryoneGone : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly CancellationTokenRegistration[] _registrations;
    private int _waiting;

    private EveryoneGone(IReadOnlyList<QueuedRequest> batch)
    {
        _waiting = batch.Count;
        _registrations = new CancellationTokenRegistration[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            // A token cancelled already runs the callback here, at once.
            _registrations[i] = batch[i].CancellationToken.UnsafeRegister(static state => ((EveryoneGone)state!).Left(), this);
        }
    }

    public CancellationToken Token => _source.Token;

    /// <summary>The token for <paramref name="batch"/>, or null when one of its requests can never be cancelled.</summary>
    public static EveryoneGone? For(IReadOnlyList<QueuedRequest> batch)
    {
        foreach (var request in batch)
        {
            if (!request.CancellationToken.CanBeCanceled)
            {
                return null;
            }
        }
        return new EveryoneGone(batch);
    }

    private void Left()
    {
        if (Interlocked.Decrement(ref _waiting) == 0)
        {
            _source.Cancel();
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose(); // waits for a callback in progress, so the source is not cancelled after it is gone
        }
        _source.Dispose();
    }
}
