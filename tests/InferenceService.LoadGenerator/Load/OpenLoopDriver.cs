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

    public static async Task RunAsync(InferenceRequestSender sender, double rate, int maxInFlight, long requests, StepRecorder recorder, CancellationToken cancellationToken)
    {
        var inFlight = 0;
        var pending = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        var ticksPerRequest = Stopwatch.Frequency / rate;
        for (long i = 0; i < requests && !cancellationToken.IsCancellationRequested; i++)
        {
            var due = start + (long)(i * ticksPerRequest);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait >= s_minimumSleep)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            recorder.RecordScheduleLag(Math.Max(0, Stopwatch.GetTimestamp() - due));
            if (Volatile.Read(ref inFlight) >= maxInFlight)
            {
                recorder.RecordNotSent();
                continue;
            }
            Interlocked.Increment(ref inFlight);
            // On the thread pool: whatever the send does before its first wait must not hold up the schedule.
            pending.Add(Task.Run(SendAndReleaseAsync, CancellationToken.None));
        }
        await Task.WhenAll(pending).ConfigureAwait(false);

        async Task SendAndReleaseAsync()
        {
            try
            {
                await sender.SendAsync(recorder, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }
}
