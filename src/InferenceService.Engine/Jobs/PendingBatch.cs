using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// One batch of a job's rows between reading and writing: the rows, the ones refused before running and why, the
/// request that runs the rest, and its Run. Disposing it releases whatever it still holds, in whichever state the job
/// left it (queued, running, run but not written).
/// </summary>
internal sealed class PendingBatch(List<DatasetRow> rows) : IDisposable
{
    public List<DatasetRow> Rows { get; } = rows;

    /// <summary>Rows (indices into <see cref="Rows"/>) refused by the checks or by the model, with the message.</summary>
    public List<(int Index, string Error)> Failures { get; } = [];

    /// <summary>Rows (indices into <see cref="Rows"/>) in <see cref="Request"/>, in its row order.</summary>
    public List<int> Decoded { get; } = [];

    public List<(int Index, string[] Fragments)>? Shaped { get; set; }

    /// <summary>Rows run one by one after the model refused the batch as a whole.</summary>
    public Dictionary<int, InferenceResult> Alone { get; } = [];

    public DecodedRequest? Request { get; set; }

    public Task<InferenceResult>? Run { get; set; }

    public void Dispose()
    {
        if (Run is { IsCompleted: false } run)
        {
            // Still queued or running: its buffers are released once it ends.
            run.ContinueWith(static (t, state) =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    t.Result.Dispose();
                }
                ((DecodedRequest?)state)?.Dispose();
            }, Request, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        else
        {
            if (Run is { IsCompletedSuccessfully: true } done)
            {
                // Run but perhaps never written (the job stopped first); disposing a result twice is harmless.
                done.Result.Dispose();
            }
            Request?.Dispose();
        }
        foreach (var alone in Alone.Values)
        {
            alone.Dispose();
        }
        Alone.Clear();
    }
}
