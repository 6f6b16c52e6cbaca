namespace InferenceService.Engine.Accuracy;

/// <summary>
/// The predictions waiting for their ground truth, bounded by count and by age: the oldest leave first, whichever
/// bound they reach. A prediction made again under the same key replaces the earlier one (the newest answer is the one
/// the client holds). Entries sit in a list in the order they arrived, so eviction only ever looks at its head.
/// Thread-safe: one lock, held for O(1) work per call (plus whatever has expired).
/// </summary>
public sealed class PredictionStore(int capacity, TimeSpan timeToLive, TimeProvider time)
{
    /// <summary>
    /// Ids longer than this are not kept: an id is the client's text, and the store's memory must not grow with it.
    /// </summary>
    public const int MaxIdLength = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<PredictionKey, LinkedListNode<Prediction>> _index = [];
    private readonly LinkedList<Prediction> _oldestFirst = new();

    public int Capacity { get; } = capacity;

    public TimeSpan TimeToLive { get; } = timeToLive;

    /// <summary>Predictions kept now (expired ones may linger until the next call).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _index.Count;
            }
        }
    }

    public void Add(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (Capacity == 0 || prediction.Key.Id.Length > MaxIdLength)
        {
            return;
        }
        lock (_gate)
        {
            if (_index.Remove(prediction.Key, out var replaced))
            {
                _oldestFirst.Remove(replaced);
            }
            _index[prediction.Key] = _oldestFirst.AddLast(prediction);
            while (_oldestFirst.Count > Capacity)
            {
                RemoveOldest();
            }
            RemoveExpired();
        }
    }

    /// <summary>The prediction kept under <paramref name="key"/>; null when it was never made, expired or was pushed out.</summary>
    public Prediction? Find(PredictionKey key)
    {
        lock (_gate)
        {
            RemoveExpired();
            return _index.TryGetValue(key, out var node) ? node.Value : null;
        }
    }

    /// <summary>Claims a prediction for scoring: true the first time, false when it was already scored.</summary>
    public bool TryMarkScored(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        lock (_gate)
        {
            if (prediction.IsScored)
            {
                return false;
            }
            prediction.IsScored = true;
            return true;
        }
    }

    private void RemoveExpired()
    {
        var now = time.GetUtcNow();
        while (_oldestFirst.First is { } oldest && now - oldest.Value.MadeAt >= TimeToLive)
        {
            RemoveOldest();
        }
    }

    private void RemoveOldest()
    {
        var oldest = _oldestFirst.First!;
        _oldestFirst.RemoveFirst();
        _index.Remove(oldest.Value.Key);
    }
}
