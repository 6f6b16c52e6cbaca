using InferenceService.LoadGenerator.Measurement;
using InferenceService.LoadGenerator.ServerStats;

namespace InferenceService.LoadGenerator.Reporting;

/// <summary>What a run measured, step by step: the table's content and the <c>--json</c> file's schema.</summary>
internal sealed record RunResult
{
    public string Target { get; init; } = "";
    public string Model { get; init; } = "";
    public string? Version { get; init; }

    /// <summary>"closed_loop" (a concurrency sweep) or "open_loop" (fixed rates).</summary>
    public string Mode { get; init; } = "";

    public string PayloadSource { get; init; } = "";
    public long RowsPerRequest { get; init; }
    public long PayloadBytes { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public IReadOnlyList<StepResult> Steps { get; init; } = [];
}

/// <summary>One step: one concurrency or one rate, held for the step's duration or request count.</summary>
internal sealed record StepResult
{
    /// <summary>"c=32" or "rate=400": how the table and comparisons name the step.</summary>
    public string Label { get; init; } = "";

    public int? Concurrency { get; init; }
    public double? Rate { get; init; }

    /// <summary>From the first request sent to the last answer read.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>Requests sent (open loop: those not sent because too many were in flight are in <see cref="NotSent"/>).</summary>
    public long Sent { get; init; }

    public long NotSent { get; init; }
    public long Answered { get; init; }

    /// <summary>2xx answers: admitted and served.</summary>
    public long Succeeded { get; init; }

    /// <summary>2xx answers per second: the throughput.</summary>
    public double RequestsPerSecond { get; init; }

    /// <summary>Rows served per second: <see cref="RequestsPerSecond"/> times the rows of each request.</summary>
    public double RowsPerSecond { get; init; }

    /// <summary>Latency of every HTTP answer, whatever its status.</summary>
    public LatencySummary? Latency { get; init; }

    /// <summary>Latency of the 2xx answers only.</summary>
    public LatencySummary? Admitted { get; init; }

    /// <summary>Latency of the 503 answers only: how fast a full queue says no.</summary>
    public LatencySummary? Rejected { get; init; }

    public IReadOnlyDictionary<int, long> StatusCounts { get; init; } = new Dictionary<int, long>();
    public IReadOnlyDictionary<int, LatencySummary> LatencyByStatus { get; init; } = new Dictionary<int, LatencySummary>();
    public IReadOnlyDictionary<string, long> TransportErrors { get; init; } = new Dictionary<string, long>();
    public long TransportErrorCount { get; init; }

    /// <summary>5xx answers other than 503 and 504: failures, never load shedding.</summary>
    public long OtherServerErrors { get; init; }

    /// <summary>503 answers without a Retry-After header.</summary>
    public long RejectedWithoutRetryAfter { get; init; }

    /// <summary>Open loop: how late requests left against their schedule (the generator's own lag).</summary>
    public LatencySummary? ScheduleLag { get; init; }

    public ServerSideSplit Server { get; init; } = ServerSideSplit.Unavailable("not read");

    /// <summary>The server's own answer times for the step, from its request-duration histogram.</summary>
    public ServerLatency ServerLatency { get; init; } = ServerLatency.Unavailable("not read");

    public static StepResult From(string label, int? concurrency, double? rate, double elapsedSeconds, long rowsPerRequest, StepMeasurements m, ServerSideSplit server)
    {
        var perSecond = elapsedSeconds > 0 ? m.Succeeded / elapsedSeconds : 0;
        return new StepResult
        {
            Label = label,
            Concurrency = concurrency,
            Rate = rate,
            ElapsedSeconds = Math.Round(elapsedSeconds, 3),
            Sent = m.Answered + m.TransportErrorCount,
            NotSent = m.NotSent,
            Answered = m.Answered,
            Succeeded = m.Succeeded,
            RequestsPerSecond = Math.Round(perSecond, 1),
            RowsPerSecond = Math.Round(perSecond * rowsPerRequest, 1),
            Latency = m.All,
            Admitted = m.Admitted,
            Rejected = m.ByStatus.GetValueOrDefault(503),
            StatusCounts = m.ByStatus.ToDictionary(e => e.Key, e => e.Value.Count),
            LatencyByStatus = m.ByStatus,
            TransportErrors = m.TransportErrors,
            TransportErrorCount = m.TransportErrorCount,
            OtherServerErrors = m.OtherServerErrors,
            RejectedWithoutRetryAfter = m.RejectedWithoutRetryAfter,
            ScheduleLag = m.ScheduleLag,
            Server = server,
        };
    }
}
