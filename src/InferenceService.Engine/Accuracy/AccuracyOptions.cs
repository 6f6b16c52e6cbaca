namespace InferenceService.Engine.Accuracy;

/// <summary>
/// The <c>Accuracy</c> configuration section: how many predictions are kept for ground truth that arrives later, for
/// how long, and the rolling windows over which scores and prediction signals are reported.
/// </summary>
public sealed class AccuracyOptions
{
    public const string SectionName = "Accuracy";

    /// <summary>
    /// Where predictions wait for feedback and scores are summarized: in this process (the default) or in Redis, shared
    /// by every replica.
    /// </summary>
    public AccuracyStoreKind Store { get; set; } = AccuracyStoreKind.Memory;

    /// <summary>The Redis store's settings (<c>Accuracy:Redis</c>), used when <see cref="Store"/> is <see cref="AccuracyStoreKind.Redis"/>.</summary>
    public RedisAccuracyOptions Redis { get; set; } = new();

    /// <summary>The row windows used when none are configured: the last 1,000 and 10,000 rows.</summary>
    public static readonly IReadOnlyList<int> DefaultRowWindows = [1_000, 10_000];

    /// <summary>The time windows used when none are configured: the last hour.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultTimeWindows = [TimeSpan.FromHours(1)];

    /// <summary>The most predictions kept for feedback; the oldest go first. 0 keeps none (inline targets still score).</summary>
    public int MaxStoredPredictions { get; set; } = 100_000;

    /// <summary>How long a prediction waits for its feedback before it is forgotten.</summary>
    public TimeSpan PredictionTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// The most values one output of a prediction may hold and still be kept for feedback: rows for a classification
    /// output, numbers for a numeric one. Larger outputs are not copied (their label-free signals still count).
    /// </summary>
    public int MaxStoredValuesPerOutput { get; set; } = 1_024;

    /// <summary>The confusion matrix is left out of reports when more classes than this take part in it.</summary>
    public int MaxConfusionMatrixClasses { get; set; } = 100;

    /// <summary>
    /// Targets of a class index output without a label file must be class indices below this (with labels, the label
    /// file sets the classes). It bounds what a client's targets can make the server count.
    /// </summary>
    public int MaxClasses { get; set; } = 1_000;

    /// <summary>Rolling windows by row count (the last N scored or predicted rows). Empty or absent: the defaults.</summary>
#pragma warning disable CA1819 // Bound from configuration, where an array is the natural shape of a list.
    public int[]? RowWindows { get; set; }

    /// <summary>Rolling windows by time (e.g. "01:00:00"), kept to a sixtieth of their length. Empty or absent: the defaults.</summary>
    public TimeSpan[]? TimeWindows { get; set; }
#pragma warning restore CA1819

    /// <summary>The row windows in effect.</summary>
    public IReadOnlyList<int> EffectiveRowWindows => RowWindows is { Length: > 0 } ? RowWindows : DefaultRowWindows;

    /// <summary>The time windows in effect.</summary>
    public IReadOnlyList<TimeSpan> EffectiveTimeWindows => TimeWindows is { Length: > 0 } ? TimeWindows : DefaultTimeWindows;

    /// <summary>Every problem with the settings, so that one edit can fix them all; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxStoredPredictions < 0)
        {
            problems.Add($"Accuracy:MaxStoredPredictions must be 0 or more, not {MaxStoredPredictions}.");
        }
        if (PredictionTtl <= TimeSpan.Zero)
        {
            problems.Add($"Accuracy:PredictionTtl must be longer than zero, not {PredictionTtl}.");
        }
        if (MaxStoredValuesPerOutput < 1)
        {
            problems.Add($"Accuracy:MaxStoredValuesPerOutput must be 1 or more, not {MaxStoredValuesPerOutput}.");
        }
        if (MaxConfusionMatrixClasses < 1)
        {
            problems.Add($"Accuracy:MaxConfusionMatrixClasses must be 1 or more, not {MaxConfusionMatrixClasses}.");
        }
        if (MaxClasses < 1)
        {
            problems.Add($"Accuracy:MaxClasses must be 1 or more, not {MaxClasses}.");
        }
        foreach (var rows in EffectiveRowWindows.Where(r => r is < 1 or > 10_000_000))
        {
            problems.Add($"Accuracy:RowWindows entries must be from 1 to 10000000 rows, not {rows}.");
        }
        foreach (var window in EffectiveTimeWindows.Where(w => w < TimeSpan.FromSeconds(1)))
        {
            problems.Add($"Accuracy:TimeWindows entries must be one second or longer, not {window}.");
        }
        if (Store == AccuracyStoreKind.Redis)
        {
            problems.AddRange(Redis.Validate());
        }
        if (EffectiveRowWindows.Distinct().Count() != EffectiveRowWindows.Count || EffectiveTimeWindows.Distinct().Count() != EffectiveTimeWindows.Count)
        {
            problems.Add("Accuracy:RowWindows and Accuracy:TimeWindows must not repeat a window.");
        }
        return problems;
    }
}

/// <summary>Where the accuracy state lives.</summary>
public enum AccuracyStoreKind
{
    /// <summary>In this process: nothing else needed, one replica's own traffic.</summary>
    Memory,

    /// <summary>In Redis: feedback on any replica finds the prediction, and reports cover every replica.</summary>
    Redis,
}

/// <summary>The <c>Accuracy:Redis</c> section: how the shared store is reached and how long the service waits for it.</summary>
public sealed class RedisAccuracyOptions
{
    /// <summary>A StackExchange.Redis connection string, e.g. <c>redis:6379,password=…</c>.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefixed to every key, so that several services (or environments) can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "inference:accuracy:";

    /// <summary>
    /// How long one write or read may take before it is given up: predictions are then not kept (counted and logged),
    /// and feedback answers 503. Short, because a slow store must not hold anything up.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often each replica reads the shared windows back for its accuracy gauges.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Writes waiting for the store at most; beyond this they are dropped (and counted) rather than queued.</summary>
    public int MaxPendingWrites { get; set; } = 10_000;

    /// <summary>
    /// How long the writer lets answers' writes gather before it sends them as one batch: each batch costs a round trip,
    /// a script run and the wake-ups of both processes whatever its size, so a longer gather costs less per answer (at
    /// 5 ms, the service spent about 40% more CPU per answer of the tiny MLP than with the memory store; at 20 ms, about
    /// the same); a prediction can be found by feedback from this long (plus the round trip) after its answer.
    /// </summary>
    public TimeSpan WriteDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Configuration))
        {
            problems.Add("Accuracy:Redis:Configuration is required when Accuracy:Store is redis: a StackExchange.Redis connection string, e.g. \"redis:6379\".");
        }
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(1))
        {
            problems.Add($"Accuracy:Redis:Timeout must be longer than zero and at most a minute, not {Timeout}.");
        }
        if (RefreshInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add($"Accuracy:Redis:RefreshInterval must be one second or longer, not {RefreshInterval}.");
        }
        if (MaxPendingWrites < 1)
        {
            problems.Add($"Accuracy:Redis:MaxPendingWrites must be 1 or more, not {MaxPendingWrites}.");
        }
        if (WriteDelay < TimeSpan.Zero || WriteDelay > TimeSpan.FromSeconds(1))
        {
            problems.Add($"Accuracy:Redis:WriteDelay must be zero or longer and at most a second, not {WriteDelay}.");
        }
        return problems;
    }
}
