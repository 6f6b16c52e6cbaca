using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using InferenceService.Engine.Serving;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>
/// The accuracy state in Redis, shared by every replica: kept predictions (strings that expire, with a sorted set by
/// age for the count bound), the newest rows of each output (lists as long as the largest row window) and the time
/// windows' buckets (hashes of counts that expire once they leave their window).
/// <para>
/// A request's answer never waits for Redis: what it records goes into a bounded queue that one writer drains in
/// batches gathered for <see cref="RedisAccuracyOptions.WriteDelay"/>, one script run per batch, each bounded by <see cref="RedisAccuracyOptions.Timeout"/>. A write that
/// fails or finds the queue full is dropped and counted (<c>inference.accuracy.store.writes</c>); an outage is logged
/// when it starts and when it ends. Feedback claims a prediction and adds its rows in one script run, so it is scored
/// once whichever replica it reaches. Feedback and reports wait for Redis (bounded by the same timeout) and answer
/// <see cref="InferenceErrorKind.Unavailable"/> while it cannot be reached. The gauges read the windows each replica
/// refreshes every <see cref="RedisAccuracyOptions.RefreshInterval"/>, so a scrape never waits either.
/// </para>
/// </summary>
public sealed class RedisAccuracyStore : IAccuracyStore
{
    /// <summary>Writes taken off the queue for one script run at most.</summary>
    private const int MaxBatch = 512;

    private readonly AccuracyOptions _options;
    private readonly RedisAccuracyOptions _redis;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<RollingWindow> _windows;
    private readonly int _largestRowWindow;
    private readonly RedisKeys _keys;
    private readonly Task<ConnectionMultiplexer> _connecting;
    private readonly Channel<PendingWrite> _queue;
    private readonly StoreIncidents _incidents;
    private readonly Counter<long> _writes;
    private readonly ConcurrentDictionary<OutputTracker, OutputSummaries> _latest = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;
    private readonly Task _refresher;

    public RedisAccuracyStore(AccuracyOptions options, TimeProvider time, IMeterFactory meterFactory, ILogger<RedisAccuracyStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _redis = options.Redis;
        _time = time;
        _windows = RollingWindow.From(options);
        _largestRowWindow = _windows.Select(w => w.Rows ?? 0).DefaultIfEmpty(0).Max();
        _keys = new RedisKeys(_redis.KeyPrefix);
        _incidents = new StoreIncidents(logger, time);
        _writes = meterFactory.Create(AccuracyMetrics.MeterName).CreateCounter<long>("inference.accuracy.store.writes", "{write}",
            "Answered predictions written behind to the shared accuracy store, by outcome: stored, failed (unreachable or too slow) or dropped (too many waiting).");
        _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(_redis.MaxPendingWrites)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _connecting = ConnectionMultiplexer.ConnectAsync(ConnectionOptions(_redis));
        RedisAccuracyLog.Started(logger, options.PredictionTtl, options.MaxStoredPredictions, _redis.RefreshInterval);
        _writer = Task.Run(WriteBehindAsync);
        _refresher = Task.Run(RefreshAsync);
    }

    public bool KeepsPredictions => _options.MaxStoredPredictions > 0;

    public void Track(OutputTracker output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _latest.TryAdd(output, OutputSummaries.Empty(output));
    }

    public void Record(IReadOnlyList<PredictedRows> signals, IReadOnlyList<ScoredOutput>? scored, Prediction? keep, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(signals);
        if (signals.Count == 0 && scored is null && keep is null)
        {
            return;
        }
        // The rows sit in pooled arrays the caller returns once this call is over: the writer gets its own copy.
        var copied = signals.Count == 0 ? [] : new (OutputTracker, PredictedRow[])[signals.Count];
        for (var i = 0; i < copied.Length; i++)
        {
            copied[i] = (signals[i].Output, signals[i].Rows.AsSpan(0, signals[i].Count).ToArray());
        }
        Enqueue(new PendingWrite(copied, scored, keep, now));
    }

    public async ValueTask<Prediction?> FindAsync(PredictionKey key, ModelAccuracy model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var data = (byte[]?)await Bounded(database.StringGetAsync(_keys.Prediction(key)), cancellationToken).ConfigureAwait(false);
        return data is null ? null : PredictionCodec.Decode(key, data, model);
    }

    public async ValueTask<ScoreClaim> ScoreAsync(Prediction prediction, IReadOnlyList<ScoredOutput> scored, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(scored);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var batch = NewBatch();
        batch.Claim(prediction.Key);
        foreach (var output in scored)
        {
            batch.AddScored(output, now);
        }
        var (keys, arguments) = batch.Build();
        var answer = (long)await Bounded(database.ScriptEvaluateAsync(ApplyScript.Text, keys, arguments), cancellationToken).ConfigureAwait(false);
        return answer switch
        {
            1 => ScoreClaim.Scored,
            0 => ScoreClaim.AlreadyScored,
            _ => ScoreClaim.Gone,
        };
    }

    public async ValueTask<OutputSummaries> SummarizeAsync(OutputTracker output, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var summaries = output.Kind.IsClassification()
            ? new OutputSummaries(
                await Bounded(ReadAsync<ClassificationSummary>(database, output, RowStream.Scores, now, RedisRowCodec.AddRow, RedisRowCodec.AddBucket), cancellationToken).ConfigureAwait(false),
                null,
                await Bounded(ReadAsync<PredictionSignalSummary>(database, output, RowStream.Signals, now, RedisRowCodec.AddRow, RedisRowCodec.AddBucket), cancellationToken).ConfigureAwait(false))
            : new OutputSummaries(
                null,
                await Bounded(ReadAsync<NumericSummary>(database, output, RowStream.Errors, now, RedisRowCodec.AddRow, RedisRowCodec.AddBucket), cancellationToken).ConfigureAwait(false),
                null);
        _latest[output] = summaries;
        return summaries;
    }

    public OutputSummaries? Latest(OutputTracker output, DateTimeOffset now) => _latest.GetValueOrDefault(output);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_writer, _refresher).ConfigureAwait(false);
        _stopping.Dispose();
        if (_connecting.IsCompletedSuccessfully)
        {
            await _connecting.Result.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The client's settings: never give up on connecting (the service starts, and recovers, whether Redis is up or
    /// not), fail a command at once while disconnected instead of queueing it, and time commands out after
    /// <see cref="RedisAccuracyOptions.Timeout"/> unless the connection string says otherwise.
    /// </summary>
    private static ConfigurationOptions ConnectionOptions(RedisAccuracyOptions redis)
    {
        var configuration = ConfigurationOptions.Parse(redis.Configuration!);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var timeout = (int)Math.Ceiling(redis.Timeout.TotalMilliseconds);
        if (!redis.Configuration!.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            configuration.AsyncTimeout = timeout;
        }
        if (!redis.Configuration.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            configuration.SyncTimeout = timeout;
        }
        return configuration;
    }

    private ApplyBatch NewBatch() => new(_keys, _options, _windows);

    private void Enqueue(PendingWrite write)
    {
        if (!_queue.Writer.TryWrite(write))
        {
            _writes.Add(1, new KeyValuePair<string, object?>("outcome", "dropped"));
        }
    }

    /// <summary>The database once connected; unavailable while the store cannot be reached.</summary>
    private async ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        ConnectionMultiplexer connection;
        try
        {
            connection = await _connecting.WaitAsync(_redis.Timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or RedisException)
        {
            throw Unavailable(StoreIncidents.Describe(e));
        }
        if (!connection.IsConnected)
        {
            throw Unavailable("no connection");
        }
        return connection.GetDatabase();
    }

    /// <summary>A store call bounded by the timeout; a failure to reach the store becomes <see cref="InferenceErrorKind.Unavailable"/>.</summary>
    private async Task<T> Bounded<T>(Task<T> call, CancellationToken cancellationToken)
    {
        try
        {
            var result = await call.WaitAsync(_redis.Timeout, _time, cancellationToken).ConfigureAwait(false);
            _incidents.Succeeded();
            return result;
        }
        catch (Exception e) when (e is TimeoutException or RedisException)
        {
            throw Unavailable(StoreIncidents.Describe(e));
        }
    }

    private InferenceException Unavailable(string problem)
    {
        _incidents.Failed(problem, 0);
        return new InferenceException(InferenceErrorKind.Unavailable,
            "The shared accuracy store cannot be reached now, so feedback cannot be matched to its prediction and accuracy cannot be reported; retry shortly.");
    }

    /// <summary>Drains the queue in batches, one script run each; a batch that fails is dropped and counted.</summary>
    private async Task WriteBehindAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                // A round trip per answer would cost more CPU (the client's and Redis's) than the answer's own inference;
                // a few milliseconds' delay before feedback can find a prediction costs nothing.
                if (reader.Count < MaxBatch && _redis.WriteDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_redis.WriteDelay, _time, _stopping.Token).ConfigureAwait(false);
                }
                var batch = NewBatch();
                var writes = 0;
                while (writes < MaxBatch && reader.TryRead(out var write))
                {
                    write.AddTo(batch);
                    writes++;
                }
                await WriteAsync(batch, writes).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: what is still queued is lost, as on any stop of a best-effort writer.
        }
    }

    private async Task WriteAsync(ApplyBatch batch, int writes)
    {
        try
        {
            var database = await DatabaseAsync(_stopping.Token).ConfigureAwait(false);
            var (keys, arguments) = batch.Build();
            await database.ScriptEvaluateAsync(ApplyScript.Text, keys, arguments).WaitAsync(_redis.Timeout, _time, _stopping.Token).ConfigureAwait(false);
            _incidents.Succeeded();
            _writes.Add(writes, new KeyValuePair<string, object?>("outcome", "stored"));
        }
        catch (InferenceException)
        {
            // Not connected: the incident is logged by the check that found it.
            _incidents.Failed("no connection", writes);
            _writes.Add(writes, new KeyValuePair<string, object?>("outcome", "failed"));
        }
        catch (Exception e) when (e is TimeoutException or RedisException)
        {
            _incidents.Failed(e, writes);
            _writes.Add(writes, new KeyValuePair<string, object?>("outcome", "failed"));
        }
    }

    /// <summary>Reads the shared windows back for the gauges of every output this replica follows.</summary>
    private async Task RefreshAsync()
    {
        using var timer = new PeriodicTimer(_redis.RefreshInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                foreach (var output in _latest.Keys)
                {
                    try
                    {
                        await SummarizeAsync(output, _time.GetUtcNow(), _stopping.Token).ConfigureAwait(false);
                    }
                    catch (InferenceException)
                    {
                        // Unreachable: logged once by the incident; the gauges keep the last windows read.
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>One stream of an output: its row list for the row windows, its buckets for the time windows.</summary>
    private async Task<TSummary[]> ReadAsync<TSummary>(
        IDatabase database, OutputTracker output, RowStream stream, DateTimeOffset now,
        Action<TSummary, string> addRow, Action<TSummary, HashEntry[]> addBucket)
        where TSummary : new()
    {
        var rows = _largestRowWindow > 0 ? database.ListRangeAsync(_keys.Rows(output, stream), -_largestRowWindow, -1) : null;
        var buckets = new Task<HashEntry[]>[_windows.Count][];
        for (var i = 0; i < _windows.Count; i++)
        {
            if (_windows[i].Duration is { } duration)
            {
                buckets[i] = TimeBucketIds.InWindow(duration, now)
                    .Select(id => database.HashGetAllAsync(_keys.Bucket(output, stream, _windows[i], id)))
                    .ToArray();
            }
        }
        var newest = rows is null ? [] : await rows.ConfigureAwait(false);
        var summaries = new TSummary[_windows.Count];
        for (var i = 0; i < _windows.Count; i++)
        {
            var summary = summaries[i] = new TSummary();
            if (_windows[i].Rows is { } count)
            {
                for (var r = newest.Length - 1; r >= Math.Max(0, newest.Length - count); r--)
                {
                    addRow(summary, newest[r]!);
                }
            }
            else
            {
                foreach (var fields in await Task.WhenAll(buckets[i]).ConfigureAwait(false))
                {
                    addBucket(summary, fields);
                }
            }
        }
        return summaries;
    }

    /// <summary>One answered inference's contribution, queued for the writer.</summary>
    private sealed class PendingWrite((OutputTracker Output, PredictedRow[] Rows)[] signals, IReadOnlyList<ScoredOutput>? scored, Prediction? keep, DateTimeOffset at)
    {
        public DateTimeOffset At { get; } = at;

        public void AddTo(ApplyBatch batch)
        {
            foreach (var (output, rows) in signals)
            {
                batch.AddSignals(output, rows, At);
            }
            if (scored is not null)
            {
                foreach (var output in scored)
                {
                    batch.AddScored(output, At);
                }
            }
            if (keep is not null)
            {
                batch.Keep(keep);
            }
        }
    }
}
