namespace InferenceService.Engine.Scheduling;

/// <summary>
/// What one model version's scheduler has seen of its recent arrivals and Runs, and the one question it answers from
/// them: should an idle instance hold a batch that could still grow, and until when? Not thread-safe: the scheduler's
/// lock guards it. Times are <see cref="TimeProvider"/> timestamps (ticks of the provider's frequency).
/// <para>
/// Two estimates, both exponentially weighted so they follow the load as it changes:
/// <list type="bullet">
/// <item>the arrival rate: the mean gap between arrivals (a gap longer than the maximum queue delay is counted as
/// the delay: requests further apart than that can never share a Run, so a longer idle spell says nothing more) and
/// the mean rows per request;</item>
/// <item>the cost of a Run as a line, <c>fixed + per row x rows</c>, fitted to the instances' time per batch (from
/// leaving the queue to the answers handed back). The fixed part is the instance time one Run fewer saves: what
/// merging two batches into one gains. It is known only once batches of different sizes have been seen (until then
/// it is taken as zero: no evidence that waiting pays); a slope that comes out negative is taken as zero; a sample
/// more than four times what the line predicts (a Run descheduled by the machine) counts as four times.</item>
/// </list>
/// </para>
/// </summary>
internal sealed class BatchWaitEstimator(long maxQueueDelayTicks)
{
    // The weight of each new sample: the estimates reflect roughly the last 8 arrivals and the last 8 Runs.
    private const double Weight = 1.0 / 8;

    // Sizes must vary by about a quarter row (standard deviation) before the fixed cost of a Run is told apart from its cost per row.
    private const double MinSizeVariance = 1.0 / 16;

    private const double OutlierFactor = 4;

    private readonly long _maxQueueDelayTicks = maxQueueDelayTicks;
    private Average _gap;
    private Average _rows;
    private Average _one;
    private Average _x;
    private Average _y;
    private Average _xx;
    private Average _xy;
    private long _lastArrival;
    private bool _arrived;

    /// <summary>A request of <paramref name="rows"/> rows was admitted at <paramref name="timestamp"/>.</summary>
    public void RecordArrival(long timestamp, int rows)
    {
        if (_arrived)
        {
            _gap.Add(Math.Clamp(timestamp - _lastArrival, 0, _maxQueueDelayTicks));
        }
        _rows.Add(rows);
        _lastArrival = timestamp;
        _arrived = true;
    }

    /// <summary>An instance spent <paramref name="ticks"/> on a batch of <paramref name="rows"/> rows.</summary>
    public void RecordRun(int rows, long ticks)
    {
        double y = Math.Max(0, ticks);
        if (Fit() is { } line && line.FixedCost + line.PerRow * rows is > 0 and var predicted)
        {
            y = Math.Min(y, OutlierFactor * predicted);
        }
        _one.Add(1);
        _x.Add(rows);
        _y.Add(y);
        _xx.Add((double)rows * rows);
        _xy.Add(rows * y);
    }

    /// <summary>The instance time a Run costs whatever its size, in ticks; 0 while unknown.</summary>
    public double FixedRunCost => Fit()?.FixedCost ?? 0;

    /// <summary>The expected time until the next row arrives, in ticks, seen from <paramref name="now"/>; infinite before two arrivals.</summary>
    public double TicksPerRow(long now)
    {
        if (!_gap.HasValue || _rows.Value <= 0)
        {
            return double.PositiveInfinity;
        }
        // Quiet for longer than the mean gap already: the rate has dropped at least that far.
        var gap = Math.Max(1, Math.Max(_gap.Value, now - _lastArrival));
        return gap / _rows.Value;
    }

    /// <summary>
    /// Until when an idle instance should hold a batch that could still grow; a time at or before <paramref name="now"/>:
    /// send it now. The hold is worth it only while more rows are expected before the end of the window it may take,
    /// which ends at the oldest request's deadline or one fixed Run cost after the instance began to hold, whichever
    /// comes first: waiting longer than a Run would take to save one Run never pays. So it holds until one expected
    /// inter-arrival time before the window ends (the expected rows still to come within the window drop to 1 there).
    /// </summary>
    /// <param name="now">The current timestamp.</param>
    /// <param name="holdStarted">When the instance began holding this batch.</param>
    /// <param name="deadline">When the oldest request of the batch reaches the maximum queue delay.</param>
    public long HoldUntil(long now, long holdStarted, long deadline)
    {
        var fixedCost = FixedRunCost;
        var ticksPerRow = TicksPerRow(now);
        if (fixedCost <= 0 || double.IsInfinity(ticksPerRow))
        {
            return now;
        }
        var windowEnd = Math.Min(deadline, holdStarted + fixedCost);
        var holdUntil = windowEnd - ticksPerRow;
        return holdUntil <= now ? now : (long)Math.Round(holdUntil);
    }

    /// <summary>The least-squares line through the weighted samples, or null while the sizes have not varied enough.</summary>
    private (double FixedCost, double PerRow)? Fit()
    {
        if (!_one.HasValue)
        {
            return null;
        }
        var meanX = _x.Sum / _one.Sum;
        var meanY = _y.Sum / _one.Sum;
        var variance = _xx.Sum / _one.Sum - meanX * meanX;
        if (variance < MinSizeVariance)
        {
            return null;
        }
        var perRow = Math.Max(0, (_xy.Sum / _one.Sum - meanX * meanY) / variance);
        return (Math.Clamp(meanY - perRow * meanX, 0, meanY), perRow);
    }

    /// <summary>An exponentially weighted sum, and the mean it gives (the first sample counts in full).</summary>
    private struct Average
    {
        private double _weight;

        public double Sum { get; private set; }

        public readonly bool HasValue => _weight > 0;

        public readonly double Value => _weight > 0 ? Sum / _weight : 0;

        public void Add(double sample)
        {
            Sum = Sum * (1 - Weight) + sample * Weight;
            _weight = _weight * (1 - Weight) + Weight;
        }
    }
}
