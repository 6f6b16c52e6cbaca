using InferenceService.Engine.Jobs;
using InferenceService.Security;

namespace InferenceService.Hosting;

/// <summary>
/// Paces batch jobs to the row quota of the key that submitted them (<c>JobRowsPerSecond</c>, <c>JobRowBurst</c>;
/// see <see cref="JobRowQuota"/>): each batch waits until its rows fit, so a job over its key's share runs slower
/// rather than failing. Jobs of a key without a row quota are not slowed.
/// </summary>
internal sealed class QuotaJobRowPacer(JobRowQuota quota) : IJobRowPacer
{
    public async ValueTask WaitAsync(string? submittedBy, int rows, CancellationToken cancellationToken)
    {
        using var lease = await quota.AcquireAsync(submittedBy, rows, cancellationToken);
    }
}
