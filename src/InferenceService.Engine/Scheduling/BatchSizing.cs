namespace InferenceService.Engine.Scheduling;

/// <summary>
/// The dynamic batcher's decision, apart from any queue or clock: given the rows of the queued requests that could
/// share a Run (oldest first), how many of them to send now, or none yet. Triton's rules, with one more way to end
/// the wait:
/// <list type="bullet">
/// <item>a batch that reaches <c>max_batch_size</c>, or that the next request cannot join, goes at once;</item>
/// <item>otherwise the largest preferred batch size that the requests form exactly goes at once;</item>
/// <item>otherwise, once waiting cannot make a fuller batch soon (the scheduler's estimate,
/// <see cref="BatchWaitEstimator"/>), the batch goes as Triton would form it: every request that fits;</item>
/// <item>otherwise the batch waits for more requests, never past the oldest having waited <c>max_queue_delay</c>, then
/// goes as it is.</item>
/// </list>
/// </summary>
public static class BatchSizing
{
    /// <param name="rows">The rows of each candidate request, oldest first (each at most the maximum batch size).</param>
    /// <param name="policy">The model version's batching policy.</param>
    /// <param name="closed">
    /// The candidates are all a batch can hold: a queued request after them cannot join (its shapes differ), or the
    /// scheduler is draining the queue before shutdown and waits for no one.
    /// </param>
    /// <param name="delayExpired">The oldest candidate has waited the maximum queue delay.</param>
    /// <param name="waitingCannotHelp">
    /// The scheduler expects no more rows soon enough to be worth waiting for: the batch goes now instead of at the
    /// delay (the largest preferred size formed, if any, else every request that fits).
    /// </param>
    /// <returns>How many candidates (from the oldest) to send now; 0: wait.</returns>
    public static int RequestsToSend(ReadOnlySpan<int> rows, BatchingPolicy policy, bool closed, bool delayExpired, bool waitingCannotHelp = false)
    {
        if (rows.IsEmpty)
        {
            return 0;
        }
        if (!policy.Batching)
        {
            return 1;
        }
        var total = 0;
        var fitting = 0;
        var preferred = 0;
        foreach (var count in rows)
        {
            if (total + count > policy.MaxBatchSize)
            {
                // Full: the next request would overflow the batch, so waiting cannot make it larger.
                return Math.Max(fitting, 1);
            }
            total += count;
            fitting++;
            if (policy.PreferredBatchSizes.Contains(total))
            {
                preferred = fitting;
            }
        }
        if (total == policy.MaxBatchSize || closed || delayExpired || policy.MaxQueueDelay <= TimeSpan.Zero)
        {
            return fitting;
        }
        return preferred > 0 || !waitingCannotHelp ? preferred : fitting;
    }
}
