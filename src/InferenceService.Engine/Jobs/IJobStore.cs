namespace InferenceService.Engine.Jobs;

/// <summary>
/// Where jobs and their progress live, durably. Every change a runner makes is conditional on its lease (owner id and
/// expiry): a runner that lost its lease (it stalled past the expiry and another claimed the job) changes nothing,
/// and learns so from the result. <see cref="TryClaimAsync"/> is one atomic step, so two runners (threads, processes or
/// replicas sharing one store) never run the same job.
/// </summary>
public interface IJobStore : IAsyncDisposable
{
    /// <summary>Creates the schema if missing.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    Task AddAsync(JobRecord job, CancellationToken cancellationToken);

    Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Jobs, newest first.</summary>
    Task<IReadOnlyList<JobRecord>> ListAsync(int offset, int limit, CancellationToken cancellationToken);

    /// <summary>How many jobs are in each status.</summary>
    Task<IReadOnlyDictionary<JobStatus, long>> CountByStatusAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Claims the oldest job that is queued, or running under a lease that expired before <paramref name="now"/>: it
    /// becomes running, held by <paramref name="owner"/> until <paramref name="leaseExpires"/>. Null when there is none.
    /// </summary>
    Task<JobRecord?> TryClaimAsync(string owner, DateTimeOffset now, DateTimeOffset leaseExpires, CancellationToken cancellationToken);

    /// <summary>Records the version the job runs on and its row count (once known). False when the lease was lost.</summary>
    Task<bool> SetPlanAsync(string id, string owner, string version, long? total, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a checkpoint and renews the lease. Returns the job as it now is (its <see cref="JobRecord.CancelRequested"/>
    /// says whether to stop), or null when <paramref name="owner"/> no longer holds it.
    /// </summary>
    Task<JobRecord?> CheckpointAsync(string id, string owner, JobCheckpoint checkpoint, DateTimeOffset leaseExpires, CancellationToken cancellationToken);

    /// <summary>Ends a running job held by <paramref name="owner"/> with its final checkpoint. False when the lease was lost.</summary>
    Task<bool> FinishAsync(string id, string owner, JobStatus status, JobCheckpoint checkpoint, string? error, DateTimeOffset finished, CancellationToken cancellationToken);

    /// <summary>
    /// Cancels a job: a queued one becomes cancelled at once; a running one is marked for its runner to stop. Returns
    /// the job afterwards, or null when there is no such job.
    /// </summary>
    Task<JobRecord?> CancelAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Removes a finished job. False when it is not finished (or not there).</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Lets every running job be claimed again at once (their leases end now): what a single replica does when it
    /// starts, since whatever ran them before was this replica's previous life. A store shared by many replicas lets
    /// leases expire instead.
    /// </summary>
    Task<int> ReleaseAllLeasesAsync(CancellationToken cancellationToken);
}
