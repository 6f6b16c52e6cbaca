namespace InferenceService.Engine.Jobs;

/// <summary>The <c>Jobs</c> settings: where jobs live, what they may read, how many run at once.</summary>
public sealed class JobsOptions
{
    public const string SectionName = "Jobs";

    /// <summary>
    /// Where jobs are recorded: an SQLite file under <see cref="Directory"/> (the default: one replica), or PostgreSQL
    /// (<see cref="ConnectionString"/>), shared by every replica, which then share <see cref="Directory"/> too.
    /// </summary>
    public JobDatabase Database { get; set; } = JobDatabase.Sqlite;

    /// <summary>The Npgsql connection string, with <see cref="Database"/> PostgreSql.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The job store and every job's files (uploaded input, output, errors). Relative paths are under the content root;
    /// empty: a folder under the system's temporary folder, which does not outlive a container: give a volume for jobs
    /// to survive the pod.
    /// </summary>
    public string Directory { get; set; } = "";

    /// <summary>The folder server-side inputs are named relative to; none: jobs take uploads only.</summary>
    public string? InputRoot { get; set; }

    /// <summary>Jobs running at once; the rest wait as queued.</summary>
    public int MaxConcurrentJobs { get; set; } = 1;

    /// <summary>The largest upload accepted, in bytes (streamed to disk, never held in memory).</summary>
    public long MaxUploadBytes { get; set; } = 1L << 30;

    /// <summary>Rows between checkpoints, at most.</summary>
    public int CheckpointRows { get; set; } = 10_000;

    /// <summary>Milliseconds between checkpoints, at most.</summary>
    public int CheckpointIntervalMilliseconds { get; set; } = 1000;

    /// <summary>Requests of one job queued in the scheduler at once.</summary>
    public int BatchesInFlight { get; set; } = 4;

    /// <summary>
    /// While online requests are arriving (one in the last second, to any model), the share of the time a job's reading
    /// may work: it pauses after each batch to leave the rest to real-time traffic. 1: jobs do not yield.
    /// </summary>
    public double CpuShareWhileOnline { get; set; } = 0.5;

    /// <summary>
    /// While online requests are arriving (as above), the most rows a job's request carries, below its
    /// <c>batch_size</c>: an online request that comes while a job's Run is under way waits for that Run to end, so a
    /// shorter Run is a shorter wait. 0: a job's requests always carry its batch size.
    /// </summary>
    public int RowsPerRequestWhileOnline { get; set; } = 16;

    /// <summary>
    /// While a job runs and online requests are arriving (as above), the time slice the server's other threads ask
    /// Linux's scheduler for, in microseconds (at least 100; Linux 6.12 and later): a thread woken by an online request
    /// then gets a core ahead of the job's threads instead of waiting up to the kernel's default slice (see
    /// <see cref="ThreadSlices"/>). 0: the kernel's default throughout.
    /// </summary>
    public int SchedulerSliceMicroseconds { get; set; } = 100;

    /// <summary>How long a runner holds a job without checkpointing before another may claim it, in seconds.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>
    /// Fault injection for the crash tests: a runner that has written this many rows of a job flushes them (without a
    /// checkpoint) and holds until the process ends. Leave unset.
    /// </summary>
    public long? HoldAfterRows { get; set; }
}

/// <summary>The job store's database.</summary>
public enum JobDatabase
{
    /// <summary>An SQLite file in the job folder: one replica.</summary>
    Sqlite,

    /// <summary>PostgreSQL: every replica answers for every job; one runs it at a time, under a lease.</summary>
    PostgreSql,
}
