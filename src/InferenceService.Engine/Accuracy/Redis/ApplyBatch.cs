using System.Globalization;
using StackExchange.Redis;

namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>
/// Writes gathered into one run of <see cref="ApplyScript"/>: predictions to keep, rows appended to each row list, and
/// counts added up per time bucket (so a batch touches each bucket's fields once, however many rows it carries). The
/// kept predictions are encoded into one buffer for the whole batch and passed as slices of it, each with its key and
/// nothing else: what they share (their expiry, the bound) is said once per batch.
/// </summary>
internal sealed class ApplyBatch(RedisKeys keys, AccuracyOptions options, IReadOnlyList<RollingWindow> windows)
{
    private readonly int _largestRowWindow = windows.Select(w => w.Rows ?? 0).DefaultIfEmpty(0).Max();
    private readonly List<RedisKey> _keys = [];
    private readonly Dictionary<RedisKey, int> _keyIndex = [];
    private readonly List<Prediction> _predictions = [];
    private readonly Dictionary<RedisKey, List<RedisValue>> _rows = [];
    private readonly Dictionary<RedisKey, Bucket> _buckets = [];
    private RedisKey? _claim;

    /// <summary>Predictions this batch keeps.</summary>
    public int Predictions => _predictions.Count;

    /// <summary>Makes the batch apply only if it claims this prediction first.</summary>
    public void Claim(PredictionKey prediction)
    {
        var key = keys.Prediction(prediction);
        Register(key);
        _claim = key;
    }

    public void Keep(Prediction prediction) => _predictions.Add(prediction);

    public void AddSignals(OutputTracker output, ReadOnlySpan<PredictedRow> rows, DateTimeOffset now)
    {
        var list = RowList(output, RowStream.Signals);
        foreach (ref readonly var row in rows)
        {
            list?.Add(RedisRowCodec.Encode(row));
        }
        foreach (var window in TimeWindows)
        {
            var bucket = BucketOf(output, RowStream.Signals, window, now);
            foreach (ref readonly var row in rows)
            {
                bucket.Add(RedisRowCodec.ClassField(row.Class), 1);
                if (!double.IsNaN(row.Confidence))
                {
                    bucket.Add(RedisRowCodec.ConfidenceField(ConfidenceBuckets.IndexOf(row.Confidence)), 1);
                    bucket.Add(RedisRowCodec.ConfidenceRowsField, 1);
                    bucket.Add(RedisRowCodec.ConfidenceSumField, row.Confidence);
                }
            }
        }
    }

    public void AddScored(ScoredOutput scored, DateTimeOffset now)
    {
        if (scored.Classes is { } classes)
        {
            var list = RowList(scored.Output, RowStream.Scores);
            foreach (var row in classes)
            {
                list?.Add(RedisRowCodec.Encode(row));
            }
            foreach (var window in TimeWindows)
            {
                var bucket = BucketOf(scored.Output, RowStream.Scores, window, now);
                foreach (var row in classes)
                {
                    bucket.Add(RedisRowCodec.PairField(row), 1);
                }
            }
            return;
        }
        var numbers = scored.Numbers!;
        var errors = RowList(scored.Output, RowStream.Errors);
        foreach (var row in numbers)
        {
            errors?.Add(RedisRowCodec.Encode(row));
        }
        foreach (var window in TimeWindows)
        {
            var bucket = BucketOf(scored.Output, RowStream.Errors, window, now);
            foreach (var row in numbers)
            {
                bucket.Add(RedisRowCodec.RowsField, 1);
                bucket.Add(RedisRowCodec.ValuesField, row.Values);
                bucket.Add(RedisRowCodec.AbsoluteField, row.AbsoluteError);
                bucket.Add(RedisRowCodec.SquaredField, row.SquaredError);
            }
        }
    }

    /// <summary>The script's keys and arguments, in the layout <see cref="ApplyScript"/> reads.</summary>
    public (RedisKey[] Keys, RedisValue[] Arguments) Build()
    {
        // The index, then the kept predictions' keys (each used once: no lookup), then the rows' and buckets' keys.
        var kept = _predictions.Count;
        var keyList = new List<RedisKey>(1 + kept + _keyIndex.Count) { keys.PredictionIndex };
        var arguments = new List<RedisValue>(4 + kept + (_rows.Count * 4) + (_buckets.Count * 8))
        {
            0,
            kept,
            (long)options.PredictionTtl.TotalMilliseconds,
            options.MaxStoredPredictions,
        };
        if (kept > 0)
        {
            var length = 0;
            foreach (var prediction in _predictions)
            {
                length += PredictionCodec.EncodedLength(prediction);
            }
            var buffer = new byte[length];
            var at = 0;
            foreach (var prediction in _predictions)
            {
                keyList.Add(keys.Prediction(prediction.Key));
                var size = PredictionCodec.EncodedLength(prediction);
                PredictionCodec.Encode(prediction, buffer.AsSpan(at, size));
                arguments.Add(new ReadOnlyMemory<byte>(buffer, at, size));
                at += size;
            }
        }
        // The other keys are numbered after the predictions'.
        var offset = keyList.Count;
        keyList.AddRange(_keys);
        if (_claim is { } claim)
        {
            arguments[0] = offset + _keyIndex[claim];
        }
        foreach (var (key, rows) in _rows)
        {
            if (rows.Count == 0)
            {
                continue;
            }
            arguments.Add("R");
            arguments.Add(offset + _keyIndex[key]);
            arguments.Add(_largestRowWindow);
            arguments.Add(rows.Count);
            arguments.AddRange(rows);
        }
        foreach (var (key, bucket) in _buckets)
        {
            bucket.AppendTo(arguments, offset + _keyIndex[key]);
        }
        return (keyList.ToArray(), arguments.ToArray());
    }

    private IEnumerable<RollingWindow> TimeWindows => windows.Where(w => w.Duration is not null);

    private List<RedisValue>? RowList(OutputTracker output, RowStream stream)
    {
        if (_largestRowWindow == 0)
        {
            return null;
        }
        var key = keys.Rows(output, stream);
        if (!_rows.TryGetValue(key, out var list))
        {
            _rows[key] = list = [];
            Register(key);
        }
        return list;
    }

    private Bucket BucketOf(OutputTracker output, RowStream stream, RollingWindow window, DateTimeOffset now)
    {
        var duration = window.Duration!.Value;
        var key = keys.Bucket(output, stream, window, TimeBucketIds.Of(duration, now));
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            _buckets[key] = bucket = new Bucket((long)TimeBucketIds.LifetimeOf(duration).TotalMilliseconds);
            Register(key);
        }
        return bucket;
    }

    /// <summary>Numbers a key (from 1) among the batch's keys other than the index and the kept predictions'.</summary>
    private void Register(RedisKey key)
    {
        if (!_keyIndex.ContainsKey(key))
        {
            _keys.Add(key);
            _keyIndex[key] = _keys.Count;
        }
    }

    /// <summary>The counts one batch adds to one time bucket.</summary>
    private sealed class Bucket(long lifetimeMilliseconds)
    {
        private readonly Dictionary<string, long> _integers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, double> _floats = new(StringComparer.Ordinal);

        public void Add(string field, long count) =>
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_integers, field, out _) += count;

        public void Add(string field, double amount) =>
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_floats, field, out _) += amount;

        public void AppendTo(List<RedisValue> arguments, int key)
        {
            if (_integers.Count > 0)
            {
                arguments.Add("I");
                arguments.Add(key);
                arguments.Add(lifetimeMilliseconds);
                arguments.Add(_integers.Count);
                foreach (var (field, count) in _integers)
                {
                    arguments.Add(field);
                    arguments.Add(count);
                }
            }
            if (_floats.Count > 0)
            {
                arguments.Add("F");
                arguments.Add(key);
                arguments.Add(lifetimeMilliseconds);
                arguments.Add(_floats.Count);
                foreach (var (field, amount) in _floats)
                {
                    arguments.Add(field);
                    arguments.Add(amount.ToString("R", CultureInfo.InvariantCulture));
                }
            }
        }
    }
}
