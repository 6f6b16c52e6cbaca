using InferenceService.LoadGenerator.Measurement;

namespace InferenceService.LoadGenerator.Load;

/// <summary>
/// Closed loop, as perf_analyzer's concurrency mode: a fixed number of senders, each sending its next request when
/// the previous one is answered. The server is never offered more than it can answer, so this finds its throughput at
/// a given concurrency; it cannot show overload (see <see cref="OpenLoopDriver"/>).
/// </summary>
internal static class ClosedLoopDriver
{
    public static Task RunAsync(IRequestSender sender, int concurrency, StepBudget budget, StepRecorder recorder, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!cancellationToken.IsCancellationRequested && budget.TryTake())
            {
                await sender.SendAsync(recorder, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken)));
}
