namespace InferenceService.Engine.Jobs;

/// <summary>
/// Paces a job's rows to the quota of whoever submitted it: the runner asks before it queues each batch, and waits
/// as long as the answer takes. Implemented by the host (its API keys and their row quotas); none means no pacing.
/// </summary>
public interface IJobRowPacer
{
    /// <summary>Completes once <paramref name="rows"/> more rows of a job submitted by <paramref name="submittedBy"/> may run.</summary>
    ValueTask WaitAsync(string? submittedBy, int rows, CancellationToken cancellationToken);
}
