namespace InferenceService.LoadGenerator.ServerStats;

/// <summary>
/// How long the server itself took to answer the step's infer requests, from its own histogram before and after the
/// step (see <see cref="LatencyHistogram"/>): the load generator's latencies include its own waits for a core, which
/// on a machine it shares with the server can be most of a tail. Every infer answer in the step counts, whoever sent it.
/// </summary>
internal sealed record ServerLatency
{
    public bool Available { get; init; }

    /// <summary>Why the figures are missing (no Prometheus endpoint, or no request-duration histogram in it).</summary>
    public string? Reason { get; init; }

    public long Answers { get; init; }

    public double? P50Ms { get; init; }

    public double? P99Ms { get; init; }

    public static ServerLatency Unavailable(string reason) => new() { Available = false, Reason = reason };

    public static ServerLatency Between(LatencyHistogram before, LatencyHistogram after) => new()
    {
        Available = true,
        Answers = LatencyHistogram.Answers(before, after),
        P50Ms = LatencyHistogram.QuantileMs(before, after, 0.50),
        P99Ms = LatencyHistogram.QuantileMs(before, after, 0.99),
    };
}
