using System.Diagnostics;
using InferenceService.LoadGenerator.Measurement;

namespace InferenceService.LoadGenerator.Load;

/// <summary>
/// Open loop: requests leave on a fixed schedule (the i-th at start + i / rate) whether or not earlier ones were
/// answered, so a server slower than the rate really is overloaded, as it would be by many independent clients.
/// A closed loop would slow down with the server and hide that. Each request's lateness against its schedule is
/// recorded, so a generator that could not keep up shows it instead of quietly offering less. The step is a number
/// of requests (rate x duration), not a wall-clock span: requests that fell due while the generator was late are
/// sent late, never dropped uncounted.
/// </summary>
internal static class OpenLoopDriver
{
    /// <summary>Timer waits shorter than this are not worth a sleep: the requests due are sent in the same wake-up.</summary>
    private static readonly TimeSpan s_minimumSleep = TimeSpan.FromMilliseconds(1);

    /// <summary>Requests in a step of <paramref name="duration"/> at <paramref name="rate"/> per second: one due at the start, then one every 1 / rate.</summary>
    public static long RequestsIn(TimeSpan duration, double rate) => Math.Max(1, (long)Math.Round(duration.TotalSeconds * rate));

    public static async Task RunAsync(IRequestSender sender, double rate, int maxInFlight, long requests, StepRecorder recorder, CancellationToken cancellationToken)
    {
        // Counts the requests in flight plus one for the schedule itself, so it reaches 0 only once the schedule is
        // done and every answer is in. A counter, not a list of tasks: a long step at a high rate would hold millions.
        var outstanding = 1;
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = Stopwatch.GetTimestamp();
        var ticksPerRequest = Stopwatch.Frequency / rate;
        for (long i = 0; i < requests && !cancellationToken.IsCancellationRequested; i++)
        {
            var due = start + (long)(i * ticksPerRequest);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait >= s_minimumSleep)
            {
                try
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            recorder.RecordScheduleLag(Math.Max(0, Stopwatch.GetTimestamp() - due));
            if (Volatile.Read(ref outstanding) - 1 >= maxInFlight)
            {
                recorder.RecordNotSent();
                continue;
            }
            Interlocked.Increment(ref outstanding);
            // On the thread pool: whatever the send does before its first wait must not hold up the schedule.
            _ = Task.Run(SendAndReleaseAsync, CancellationToken.None);
        }
        Release();
        await drained.Task.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        async Task SendAndReleaseAsync()
        {
            try
            {
                await sender.SendAsync(recorder, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The run was cancelled: this request's outcome is not part of any result.
            }
            finally
            {
                Release();
            }
        }

        void Release()
        {
            if (Interlocked.Decrement(ref outstanding) == 0)
            {
                drained.TrySetResult();
            }
        }
    }
}
