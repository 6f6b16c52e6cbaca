using System.Globalization;
using StackExchange.Redis;

namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>
/// Writes gathered into one run of <see cref="ApplyScript"/>: predictions to keep, rows appended to each row list, and
/// counts added up per time bucket (so a batch touches each bucket's fields once, however many rows it carries).
/// </summary>
internal sealed class ApplyBatch(RedisKeys keys, AccuracyOptions options, IReadOnlyList<RollingWindow> windows)
{
    private readonly int _largestRowWindow = windows.Select(w => w.Rows ?? 0).DefaultIfEmpty(0).Max();
    private readonly List<RedisKey> _keys = [];
    private readonly Dictionary<RedisKey, int> _keyIndex = [];
    private readonly List<(RedisKey Key, Prediction Prediction)> _predictions = [];
    private readonly Dictionary<RedisKey, List<RedisValue>> _rows = [];
    private readonly Dictionary<RedisKey, Bucket> _buckets = [];
    private RedisKey? _claim;

    /// <summary>Predictions this batch keeps.</summary>
    public int Predictions => _predictions.Count;

    /// <summary>Makes the batch apply only if it claims this prediction first.</summary>
    public void Claim(PredictionKey prediction) => _claim = keys.Prediction(prediction);

    public void Keep(Prediction prediction) => _predictions.Add((keys.Prediction(prediction.Key), prediction));

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

    /// <summary>The script's keys and arguments; <paramref name="now"/> dates the index's expiry.</summary>
    public (RedisKey[] Keys, RedisValue[] Arguments) Build(DateTimeOffset now)
    {
        var arguments = new List<RedisValue> { _claim is { } claim ? Index(claim) : 0 };
        var ttl = (long)options.PredictionTtl.TotalMilliseconds;
        foreach (var (key, prediction) in _predictions)
        {
            arguments.Add("P");
            arguments.Add(Index(key));
            arguments.Add(ttl);
            arguments.Add(prediction.MadeAt.ToUnixTimeMilliseconds());
            arguments.Add(PredictionCodec.Encode(prediction));
            arguments.Add(Index(keys.PredictionIndex));
        }
        foreach (var (key, rows) in _rows)
        {
            if (rows.Count == 0)
            {
                continue;
            }
            arguments.Add("R");
            arguments.Add(Index(key));
            arguments.Add(_largestRowWindow);
            arguments.Add(rows.Count);
            arguments.AddRange(rows);
        }
        foreach (var (key, bucket) in _buckets)
        {
            bucket.AppendTo(arguments, Index(key));
        }
        // The index's ZADD of every prediction above happens here, so the trim always follows the predictions it bounds.
        if (_predictions.Count > 0)
        {
            arguments.Add("T");
            arguments.Add(Index(keys.PredictionIndex));
            arguments.Add(ttl);
            arguments.Add(options.MaxStoredPredictions);
            arguments.Add(now.ToUnixTimeMilliseconds());
        }
        return (_keys.ToArray(), arguments.ToArray());
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
        }
        return bucket;
    }

    private int Index(RedisKey key)
    {
        if (!_keyIndex.TryGetValue(key, out var index))
        {
            _keys.Add(key);
            _keyIndex[key] = index = _keys.Count;
        }
        return index;
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
