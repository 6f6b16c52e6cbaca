namespace InferenceService.Engine.Scheduling;

/// <summary>
/// Releases finished batches in the order they were formed (<c>preserve_ordering</c>): a batch that finishes before
/// an older one, on another instance, waits for it. Batches are numbered from 0 as they leave the queue.
/// </summary>
internal sealed class OrderedCompletion
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, Action> _finished = [];
    private long _next;

    /// <summary>Runs <paramref name="release"/> now if batch <paramref name="sequence"/> is next, else once the batches before it are released.</summary>
    public void Complete(long sequence, Action release)
    {
        lock (_gate)
        {
            _finished.Add(sequence, release);
            while (_finished.Remove(_next, out var next))
            {
                next();
                _next++;
            }
        }
    }
}
