namespace InferenceService.Client;

/// <summary>
/// Runs a call, retrying while the server refuses it for now (<see cref="InferenceErrorCode.Unavailable"/>): after
/// the server's Retry-After, else a doubling default delay, never longer than the options allow, at most
/// <see cref="InferenceClientOptions.MaxRetries"/> times. The whole of it ends at the options' timeout, which is
/// reported as <see cref="InferenceErrorCode.DeadlineExceeded"/>, or when the caller cancels.
/// </summary>
internal static class Retries
{
    public static async Task<T> RunAsync<T>(InferenceClientOptions options, Func<DateTime?, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var limit = options.Timeout is { } timeout ? new CancellationTokenSource(timeout, options.Time) : null;
        using var linked = limit is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        var token = linked?.Token ?? cancellationToken;
        DateTime? deadline = options.Timeout is { } t ? options.Time.GetUtcNow().UtcDateTime + t : null;
        var delay = options.DefaultRetryDelay;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call(deadline, token).ConfigureAwait(false);
            }
            catch (InferenceClientException e) when (e.Code == InferenceErrorCode.Unavailable && attempt < options.MaxRetries)
            {
                var wait = e.RetryAfter ?? delay;
                wait = wait > options.MaxRetryDelay ? options.MaxRetryDelay : wait;
                delay += delay;
                await WaitAsync(options, wait, token, limit, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (limit is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
            {
                throw TimedOut(options, e);
            }
        }
    }

    private static async Task WaitAsync(InferenceClientOptions options, TimeSpan wait, CancellationToken token, CancellationTokenSource? limit, CancellationToken caller)
    {
        try
        {
            await Task.Delay(wait, options.Time, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (limit is { IsCancellationRequested: true } && !caller.IsCancellationRequested)
        {
            throw TimedOut(options, e);
        }
    }

    private static InferenceClientException TimedOut(InferenceClientOptions options, Exception inner) =>
        new(InferenceErrorCode.DeadlineExceeded, $"The call did not complete within its timeout of {options.Timeout!.Value.TotalMilliseconds:F0} ms.", inner);
}
