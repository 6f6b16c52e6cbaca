using System.Numerics;
using System.Runtime.InteropServices;

namespace InferenceService.Engine.Accuracy;

/// <summary>
/// The predictions waiting for their ground truth, bounded by count and by age: the oldest leave first, whichever
/// bound they reach. A prediction made again under the same key replaces the earlier one (the newest answer is the one
/// the client holds). Thread-safe: one lock, held for O(1) work per call (plus whatever has expired).
/// </summary>
/// <remarks>
/// A full store turns over its whole content every <see cref="Capacity"/> answers, so whatever it keeps per prediction
/// lives just long enough to reach the collector's oldest generation and then dies there. Keeping each prediction as
/// objects (the prediction, its outputs, their arrays, the id, a list node, a dictionary entry) made the process grow
/// for long after the store was full. Here nothing is allocated per prediction: each is one entry in a ring of structs
/// (in the order they arrived, so eviction and expiry only ever look at its head), its id and outputs packed into one
/// byte ring beside it, and the index is a hash table of entry numbers chained through the entries. A replaced
/// prediction is only marked dead and leaves when it reaches the head; when either ring has no room left, the live
/// entries are copied into fresh rings half as large again as they need, which keeps the copying O(1) per call on average.
/// <see cref="Find"/> and <see cref="Claim"/> make objects again, for the rare feedback.
/// </remarks>
public sealed class PredictionStore(int capacity, TimeSpan timeToLive, TimeProvider time)
{
    /// <summary>
    /// Ids longer than this are not kept: an id is the client's text, and the store's memory must not grow with it.
    /// </summary>
    public const int MaxIdLength = 256;

    private const int MinimumEntries = 16;
    private const int MinimumBytes = 1024;

    private readonly Lock _gate = new();
    private readonly PredictionLayouts _layouts = new();
    private Entry[] _entries = [];
    private int[] _buckets = []; // entry number + 1 of each chain's first entry; 0 for none
    private byte[] _bytes = [];
    private int _head; // the oldest entry, live or dead
    private int _used; // entries in the ring, live or dead
    private int _live;
    private long _liveBytes;
    private int _tail; // where the next entry's bytes go

    public int Capacity { get; } = capacity;

    public TimeSpan TimeToLive { get; } = timeToLive;

    /// <summary>Predictions kept now (expired ones may linger until the next call).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _live;
            }
        }
    }

    public void Add(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var key = prediction.Key;
        if (Capacity == 0 || key.Id.Length > MaxIdLength)
        {
            return;
        }
        var size = PredictionBytes.SizeOf(prediction);
        var hash = HashOf(key);
        lock (_gate)
        {
            var layout = _layouts.For(key.Model, key.Version, prediction.Outputs);
            var replaced = IndexOf(key, hash);
            if (replaced >= 0)
            {
                Kill(replaced);
            }
            while (_live >= Capacity)
            {
                RemoveOldest();
            }
            RemoveExpired();
            if (_used == _entries.Length || !TryAllocate(size, out _))
            {
                Rebuild(size);
            }
            if (!TryAllocate(size, out var offset))
            {
                return; // more than one array can hold: not kept
            }
            PredictionBytes.Write(prediction, _bytes.AsSpan(offset, size));
            var index = (_head + _used) % _entries.Length;
            ref var entry = ref _entries[index];
            entry = new Entry
            {
                Layout = layout,
                MadeAtTicks = prediction.MadeAt.UtcTicks,
                Hash = hash,
                Offset = offset,
                Length = size,
                IsLive = true,
                IsScored = prediction.IsScored,
            };
            Link(index);
            _tail = offset + size;
            _used++;
            _live++;
            _liveBytes += size;
        }
    }

    /// <summary>
    /// The prediction kept under <paramref name="key"/>, made anew from what was kept; null when it was never made,
    /// expired or was pushed out.
    /// </summary>
    public Prediction? Find(PredictionKey key)
    {
        var hash = HashOf(key);
        lock (_gate)
        {
            RemoveExpired();
            var index = IndexOf(key, hash);
            if (index < 0)
            {
                return null;
            }
            ref var entry = ref _entries[index];
            var outputs = PredictionBytes.Read(entry.Layout.Outputs, _bytes.AsSpan(entry.Offset, entry.Length));
            return new Prediction(key, new DateTimeOffset(entry.MadeAtTicks, TimeSpan.Zero), outputs) { IsScored = entry.IsScored };
        }
    }

    /// <summary>
    /// Claims a prediction <see cref="Find"/> returned for scoring: <see cref="ScoreClaim.Scored"/> the first time,
    /// <see cref="ScoreClaim.AlreadyScored"/> after that, <see cref="ScoreClaim.Gone"/> when it expired, was pushed out or
    /// was replaced by a newer one since.
    /// </summary>
    public ScoreClaim Claim(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var hash = HashOf(prediction.Key);
        lock (_gate)
        {
            RemoveExpired();
            var index = IndexOf(prediction.Key, hash);
            if (index < 0 || _entries[index].MadeAtTicks != prediction.MadeAt.UtcTicks)
            {
                return ScoreClaim.Gone;
            }
            ref var entry = ref _entries[index];
            prediction.IsScored = true;
            if (entry.IsScored)
            {
                return ScoreClaim.AlreadyScored;
            }
            entry.IsScored = true;
            return ScoreClaim.Scored;
        }
    }

    // The process's randomized string hashing, so that clients cannot choose ids that all fall in one chain.
    private static int HashOf(PredictionKey key) =>
        HashCode.Combine(string.GetHashCode(key.Model.AsSpan()), key.Version, string.GetHashCode(key.Id.AsSpan()));

    /// <summary>The live entry kept under <paramref name="key"/>, or -1.</summary>
    private int IndexOf(PredictionKey key, int hash)
    {
        if (_buckets.Length == 0)
        {
            return -1;
        }
        for (var index = _buckets[hash & (_buckets.Length - 1)] - 1; index >= 0; index = _entries[index].Next - 1)
        {
            ref var entry = ref _entries[index];
            if (entry.Hash == hash && entry.Layout.Version == key.Version && string.Equals(entry.Layout.Model, key.Model, StringComparison.Ordinal)
                && PredictionBytes.HasId(_bytes.AsSpan(entry.Offset, entry.Length), key.Id))
            {
                return index;
            }
        }
        return -1;
    }

    private void Link(int index)
    {
        ref var entry = ref _entries[index];
        ref var bucket = ref _buckets[entry.Hash & (_buckets.Length - 1)];
        entry.Next = bucket;
        bucket = index + 1;
    }

    private void Unlink(int index)
    {
        ref var entry = ref _entries[index];
        ref var link = ref _buckets[entry.Hash & (_buckets.Length - 1)];
        while (link != index + 1)
        {
            link = ref _entries[link - 1].Next;
        }
        link = entry.Next;
    }

    /// <summary>Takes a live entry out of the index; its place in the rings is freed when it reaches the head.</summary>
    private void Kill(int index)
    {
        Unlink(index);
        ref var entry = ref _entries[index];
        entry.IsLive = false;
        _live--;
        _liveBytes -= entry.Length;
    }

    private void RemoveExpired()
    {
        var now = time.GetUtcNow().UtcTicks;
        while (_used > 0 && (!_entries[_head].IsLive || now - _entries[_head].MadeAtTicks >= TimeToLive.Ticks))
        {
            RemoveOldest();
        }
    }

    private void RemoveOldest()
    {
        if (_entries[_head].IsLive)
        {
            Kill(_head);
        }
        _entries[_head] = default; // lets the layout go when no entry needs it any more
        _head = (_head + 1) % _entries.Length;
        _used--;
    }

    /// <summary>Finds <paramref name="size"/> bytes after the newest entry's, wrapping to the start when the end is short.</summary>
    private bool TryAllocate(int size, out int offset)
    {
        if (_used == 0)
        {
            offset = 0;
            return size <= _bytes.Length;
        }
        var oldest = _entries[_head].Offset;
        if (_tail > oldest)
        {
            offset = _bytes.Length - _tail >= size ? _tail : 0;
            return offset == _tail || size <= oldest;
        }
        offset = _tail;
        return _tail < oldest && oldest - _tail >= size;
    }

    /// <summary>Copies the live entries, oldest first, into fresh rings with room for more (at least one more of <paramref name="size"/> bytes).</summary>
    private void Rebuild(int size)
    {
        // Half as much room again as the live entries need: the copying stays O(1) per call on average, and a full store
        // (whose live entries stop growing) carries a third of its rings unused at most.
        var entries = new Entry[Math.Max(MinimumEntries, (_live + 1) * 3 / 2)];
        var needed = _liveBytes + size;
        // Never read before written, so not cleared: pages the ring has not reached yet cost no memory.
        var bytes = GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, Math.Max(MinimumBytes, needed + (needed / 2))));
        var buckets = new int[(int)Math.Min(1 << 30, BitOperations.RoundUpToPowerOf2((uint)entries.Length))];
        var count = 0;
        var tail = 0;
        for (var i = 0; i < _used; i++)
        {
            ref var entry = ref _entries[(_head + i) % _entries.Length];
            if (!entry.IsLive)
            {
                continue;
            }
            _bytes.AsSpan(entry.Offset, entry.Length).CopyTo(bytes.AsSpan(tail));
            entries[count] = entry with { Offset = tail };
            tail += entry.Length;
            count++;
        }
        _entries = entries;
        _bytes = bytes;
        _buckets = buckets;
        _head = 0;
        _used = count;
        _tail = tail;
        for (var i = 0; i < count; i++)
        {
            Link(i);
        }
    }

    /// <summary>One kept prediction: everything but its id and outputs, which are in the byte ring.</summary>
    [StructLayout(LayoutKind.Auto)]
    private struct Entry
    {
        public PredictionLayout Layout;
        public long MadeAtTicks;
        public int Hash;
        public int Next; // entry number + 1 of the next in the chain; 0 for none
        public int Offset;
        public int Length;
        public bool IsLive;
        public bool IsScored;
    }
}
