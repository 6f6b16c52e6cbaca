using System.Diagnostics;

namespace InferenceService.LoadGenerator.Measurement;

/// <summary>
/// Collects every outcome of one step from many concurrent requests: latency samples by HTTP status, counts by status
/// and by transport error. One lock, taken once per answer: at the request rates a single client can offer, that is
/// far below the cost of the request itself, and it keeps every sample exact.
/// </summary>
internal sealed class StepRecorder
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, List<long>> _latencyByStatus = [];
    private readonly Dictionary<string, long> _transportErrors = new(StringComparer.Ordinal);
    private readonly List<long> _scheduleLag = [];
    private long _rejectedWithoutRetryAfter;
    private long _notSent;

    /// <summary>An HTTP answer arrived after <paramref name="elapsedTicks"/> (Stopwatch ticks, body read).</summary>
    public void RecordAnswer(int status, long elapsedTicks, bool hasRetryAfter)
    {
        lock (_gate)
        {
            if (!_latencyByStatus.TryGetValue(status, out var samples))
            {
                _latencyByStatus[status] = samples = [];
            }
            samples.Add(elapsedTicks);
            if (status == 503 && !hasRetryAfter)
            {
                _rejectedWithoutRetryAfter++;
            }
        }
    }

    /// <summary>No HTTP answer came: refused connection, reset, timeout. <paramref name="kind"/> names what happened.</summary>
    public void RecordTransportError(string kind)
    {
        lock (_gate)
        {
            _transportErrors[kind] = _transportErrors.GetValueOrDefault(kind) + 1;
        }
    }

    /// <summary>Open loop: a request went out <paramref name="lagTicks"/> after its scheduled time (the generator's own delay).</summary>
    public void RecordScheduleLag(long lagTicks)
    {
        lock (_gate)
        {
            _scheduleLag.Add(lagTicks);
        }
    }

    /// <summary>Open loop: a request was due but not sent, because the client's bound on requests in flight was reached.</summary>
    public void RecordNotSent() => Interlocked.Increment(ref _notSent);

    /// <summary>Everything recorded, summarized. Call once the step has drained (no request still in flight).</summary>
    public StepMeasurements Summarize()
    {
        lock (_gate)
        {
            var all = _latencyByStatus.Values.SelectMany(v => v).ToArray();
            var admitted = _latencyByStatus.Where(e => e.Key is >= 200 and < 300).SelectMany(e => e.Value).ToArray();
            return new StepMeasurements(
                LatencySummary.FromTicks(all),
                LatencySummary.FromTicks(admitted),
                _latencyByStatus.OrderBy(e => e.Key).ToDictionary(e => e.Key, e => LatencySummary.FromTicks([.. e.Value])!),
                new Dictionary<string, long>(_transportErrors, StringComparer.Ordinal),
                _rejectedWithoutRetryAfter,
                Interlocked.Read(ref _notSent),
                LatencySummary.FromTicks([.. _scheduleLag]));
        }
    }

    /// <summary>Stopwatch ticks between two <see cref="Stopwatch.GetTimestamp"/> readings.</summary>
    public static long Since(long startTimestamp) => Stopwatch.GetTimestamp() - startTimestamp;
}

/// <summary>A step's measurements: latency of all answers, of admitted (2xx) answers, per status, and what failed.</summary>
internal sealed record StepMeasurements(
    LatencySummary? All,
    LatencySummary? Admitted,
    IReadOnlyDictionary<int, LatencySummary> ByStatus,
    IReadOnlyDictionary<string, long> TransportErrors,
    long RejectedWithoutRetryAfter,
    long NotSent,
    LatencySummary? ScheduleLag)
{
    public long Answered => ByStatus.Values.Sum(s => s.Count);

    public long Succeeded => Admitted?.Count ?? 0;

    public long TransportErrorCount => TransportErrors.Values.Sum();

    /// <summary>5xx answers other than 503 (refused: queue full) and 504 (queue timeout): the ones that must never happen.</summary>
    public long OtherServerErrors => ByStatus.Where(e => e.Key is >= 500 and < 600 and not 503 and not 504).Sum(e => e.Value.Count);
}
