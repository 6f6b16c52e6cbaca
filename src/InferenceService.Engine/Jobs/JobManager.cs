using System.Collections.Concurrent;
using InferenceService.Engine.Serving;
using Microsoft.Extensions.Logging;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// Runs the jobs of the store: claims queued ones while fewer than <see cref="JobsOptions.MaxConcurrentJobs"/> run,
/// runs each through <see cref="JobRunner"/> with checkpoints that renew its lease, and records how each ended. At
/// start it takes back every job this replica was running when it stopped (killed or not), which then resumes from
/// its last checkpoint. Cancellation reaches a running job at once here, and through the store's flag on any replica.
/// </summary>
public sealed partial class JobManager : IAsyncDisposable
{
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(1);

    private readonly IJobStore _store;
    private readonly ModelRegistry _registry;
    private readonly JobRunner _runner;
    private readonly JobsOptions _options;
    private readonly TimeProvider _time;
    private readonly IJobRowPacer? _pacer;
    private readonly ILogger _logger;
    private readonly JobMetrics? _metrics;
    private readonly ConcurrentDictionary<string, RunningJob> _running = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly JobThreads _threads;
    private Task? _loop;
    private int _stopped;

    public JobManager(IJobStore store, ModelRegistry registry, InferencePipeline pipeline, JobsOptions options, TimeProvider time, ILogger<JobManager> logger, JobMetrics? metrics = null, IJobRowPacer? pacer = null)
    {
        _pacer = pacer;
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _registry = registry;
        _runner = new JobRunner(pipeline, time);
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        Files = new JobFiles(options.Directory);
        // A thread for each loop of every job that may run at once (reading, writing); the row count shares them.
        _threads = new JobThreads(2 * Math.Max(1, options.MaxConcurrentJobs));
    }

    /// <summary>This runner's id in the store's leases.</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public JobFiles Files { get; }

    public JobsOptions Options => _options;

    public IJobStore Store => _store;

    /// <summary>Why jobs cannot run here (the job directory could not be opened); null when they can.</summary>
    public string? Unavailable { get; private set; }

    /// <summary>Opens the store, takes back this replica's interrupted jobs and starts claiming.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        int resumed;
        try
        {
            Directory.CreateDirectory(Path.Combine(Files.Root, "jobs"));
            await _store.InitializeAsync(cancellationToken);
            resumed = await _store.ReleaseAllLeasesAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            // Real-time serving does not depend on jobs: the server runs on, and the job routes say why they cannot.
            Unavailable = "Batch jobs are unavailable on this server: its job directory (Jobs:Directory) cannot be used; see the server's log.";
            LogUnavailable(e);
            return;
        }
        if (resumed > 0)
        {
            LogResuming(resumed);
        }
        await RefreshStatusesAsync(cancellationToken);
        _loop = Task.Run(() => ClaimLoopAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>Stops claiming and stops the running jobs at their next row batch; they stay running in the store, to resume.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        foreach (var job in _running.Values)
        {
            job.Cancel(cancelled: false);
        }
        if (_loop is not null)
        {
            await _loop;
        }
        await Task.WhenAll(_running.Values.Select(j => j.Task));
    }

    /// <summary>Stores a new job as queued and wakes the claim loop.</summary>
    public async Task<JobRecord> SubmitAsync(string id, JobSpec spec, CancellationToken cancellationToken)
    {
        var job = new JobRecord { Id = id, Spec = spec, Status = JobStatus.Queued, Created = _time.GetUtcNow() };
        await _store.AddAsync(job, cancellationToken);
        _wake.Release();
        await RefreshStatusesAsync(cancellationToken);
        return job;
    }

    /// <summary>Cancels a job (queued: at once; running: at its next row batch). Null when there is no such job.</summary>
    public async Task<JobRecord?> CancelAsync(string id, CancellationToken cancellationToken)
    {
        var job = await _store.CancelAsync(id, _time.GetUtcNow(), cancellationToken);
        if (job is not null && _running.TryGetValue(id, out var running))
        {
            running.Cancel(cancelled: true);
        }
        await RefreshStatusesAsync(cancellationToken);
        return job;
    }

    /// <summary>Removes a finished job and its files: false when it is not finished; throws when there is none.</summary>
    public async Task<bool?> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var job = await _store.GetAsync(id, cancellationToken);
        if (job is null)
        {
            return null;
        }
        if (!JobStatuses.IsFinished(job.Status) || !await _store.DeleteAsync(id, cancellationToken))
        {
            return false;
        }
        var folder = Files.FolderOf(id);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
        await RefreshStatusesAsync(cancellationToken);
        return true;
    }

    /// <summary>Rows per second of the job's current run, and the seconds left at that rate (when the total is known).</summary>
    public (double? RowsPerSecond, double? EtaSeconds) RateOf(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Resumed is not { } since || job.Status != JobStatus.Running)
        {
            return job is { Status: JobStatus.Succeeded, Started: { } started, Finished: { } finished } && finished > started
                ? ((job.Checkpoint.Succeeded + job.Checkpoint.Failed) / (finished - started).TotalSeconds, 0)
                : (null, null);
        }
        var elapsed = (_time.GetUtcNow() - since).TotalSeconds;
        var done = job.Checkpoint.Succeeded + job.Checkpoint.Failed - job.RowsAtResume;
        if (elapsed <= 0 || done <= 0)
        {
            return (null, null);
        }
        var rate = done / elapsed;
        return (rate, job.Total is { } total ? Math.Max(0, total - job.Checkpoint.NextRow) / rate : null);
    }

    private async Task ClaimLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Nothing is claimed before the repository's first load: a resumed job would find no model yet.
                while (_registry.InitialLoadCompleted && _running.Count < Math.Max(1, _options.MaxConcurrentJobs))
                {
                    var now = _time.GetUtcNow();
                    var job = await _store.TryClaimAsync(Owner, now, now + Lease, stopping);
                    if (job is null)
                    {
                        break;
                    }
                    var running = new RunningJob(CancellationTokenSource.CreateLinkedTokenSource(stopping));
                    _running[job.Id] = running;
                    running.Task = _threads.Run(() => RunJobAsync(job, running));
                }
                await RefreshStatusesAsync(stopping);
                await _wake.WaitAsync(s_poll, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop must outlive a failing store call; it retries after the poll interval.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogClaimFailed(e);
                try
                {
                    await Task.Delay(s_poll, _time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private TimeSpan Lease => TimeSpan.FromSeconds(Math.Max(5, _options.LeaseSeconds));

    private async Task RunJobAsync(JobRecord job, RunningJob running)
    {
        try
        {
            await RunClaimedAsync(job, running);
        }
        catch (OperationCanceledException) when (running.Stop.IsCancellationRequested)
        {
            // Cancelled before any row ran; or stopping, when the job stays running in the store to resume.
            if (running.Cancelled)
            {
                await Finish(job, JobStatus.Cancelled, job.Checkpoint, "Cancelled before it started.");
            }
        }
        catch (Exception) when (_stopping.IsCancellationRequested && !running.Cancelled)
        {
            // Shutting down: whatever broke on the way out, the job stays running in the store and resumes from its
            // last checkpoint.
        }
#pragma warning disable CA1031 // Whatever goes wrong ends this job as failed, never the process.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogJobCrashed(job.Id, e);
            var message = e is InferenceException client ? client.Message : "The job failed on the server; see the server's log.";
            await _store.FinishAsync(job.Id, Owner, JobStatus.Failed, job.Checkpoint, message, _time.GetUtcNow(), CancellationToken.None);
        }
        finally
        {
            _running.TryRemove(job.Id, out _);
            _metrics?.ClearRate(job.Id);
            running.Stop.Dispose();
            _wake.Release();
        }
    }

    private async Task RunClaimedAsync(JobRecord job, RunningJob running)
    {
        var spec = job.Spec;
        var stop = running.Stop.Token;
        LoadedModel model;
        while (true)
        {
            try
            {
                model = _registry.Resolve(spec.Model, job.Version ?? spec.Version);
                break;
            }
            catch (InferenceException e) when (e.Kind == InferenceErrorKind.ModelNotReady)
            {
                // Not loaded yet (the server is starting) or reloading: the job waits, keeping its lease.
                await Task.Delay(s_poll, _time, stop);
                if (await _store.CheckpointAsync(job.Id, Owner, job.Checkpoint, _time.GetUtcNow() + Lease, stop) is null)
                {
                    return;
                }
            }
            catch (InferenceException e)
            {
                await Finish(job, JobStatus.Failed, job.Checkpoint, e.Message);
                return;
            }
        }
        // Parquet knows its rows from its footer; CSV and JSON Lines are counted beside the run, which does not wait
        // for a read through the whole file before its first row (the total shows once counted).
        var total = job.Total ?? (spec.InputFormat == DatasetFormat.Parquet ? await DatasetReaders.CountAsync(spec.InputPath, spec.InputFormat, stop) : null);
        if (!await _store.SetPlanAsync(job.Id, Owner, model.VersionText, total, stop))
        {
            return;
        }
        var counting = total is null ? CountBesideAsync(job.Id, spec, model.VersionText, stop) : Task.CompletedTask;
        LogStarted(job.Id, spec.Model, model.VersionText, total, job.Checkpoint.NextRow);
        var format = spec.OutputFormat;
        Directory.CreateDirectory(Files.FolderOf(job.Id));
        var files = new JobResultFilesSpec(Files.WorkingOutputPath(job.Id, format), Files.WorkingErrorsPath(job.Id, format), format == DatasetFormat.Csv);
        var last = job.Checkpoint;
        var startedAt = _time.GetTimestamp();
        var rowsAtStart = last.Succeeded + last.Failed;
        var settings = new JobRunSettings
        {
            CheckpointRows = Math.Max(1, _options.CheckpointRows),
            CheckpointInterval = TimeSpan.FromMilliseconds(Math.Max(1, _options.CheckpointIntervalMilliseconds)),
            BatchesInFlight = Math.Max(1, _options.BatchesInFlight),
            CpuShareWhileOnline = Math.Clamp(_options.CpuShareWhileOnline, 0.05, 1),
            RowsPerRequestWhileOnline = Math.Max(0, _options.RowsPerRequestWhileOnline),
            SchedulerSliceWhileOnline = TimeSpan.FromMicroseconds(Math.Max(0, _options.SchedulerSliceMicroseconds)),
            HoldAfterRows = _options.HoldAfterRows,
            PaceRows = _pacer is { } pacer ? (rows, token) => pacer.WaitAsync(spec.SubmittedBy, rows, token) : null,
            OnHold = rows => LogHolding(job.Id, rows),
            Checkpoint = async (checkpoint, token) =>
            {
                _metrics?.RecordRows(spec.Model, job.Id, checkpoint.Succeeded - last.Succeeded, checkpoint.Failed - last.Failed);
                last = checkpoint;
                var seconds = _time.GetElapsedTime(startedAt).TotalSeconds;
                _metrics?.SetRate(spec.Model, job.Id, seconds > 0 ? (checkpoint.Succeeded + checkpoint.Failed - rowsAtStart) / seconds : 0);
                var now = await _store.CheckpointAsync(job.Id, Owner, checkpoint, _time.GetUtcNow() + Lease, token);
                if (now is null)
                {
                    return false; // the lease was lost: another runner has the job
                }
                if (now.CancelRequested)
                {
                    running.Cancelled = true;
                    return false;
                }
                return true;
            },
        };
        JobRunResult result;
        await using (var reader = DatasetReaders.Open(spec.InputPath, spec.InputFormat, new RowRange(job.Checkpoint.NextRow, null)))
        {
            result = await _runner.RunAsync(model, spec, reader, files, job.Checkpoint, settings, stop);
        }
        _metrics?.RecordRows(spec.Model, job.Id, result.Checkpoint.Succeeded - last.Succeeded, result.Checkpoint.Failed - last.Failed);
        await counting; // a finished job shows its total
        switch (result.Outcome)
        {
            case JobRunOutcome.Completed:
                await Finish(job, JobStatus.Succeeded, result.Checkpoint, null, model);
                break;
            case JobRunOutcome.Failed:
                await Finish(job, JobStatus.Failed, result.Checkpoint, result.Error, model);
                break;
            case JobRunOutcome.Stopped when running.Cancelled:
                await Finish(job, JobStatus.Cancelled, result.Checkpoint, "Cancelled; the rows done before are in the output.", model);
                break;
            default:
                // Shutting down: the last checkpoint is stored; the job resumes from it when the server is back.
                await _store.CheckpointAsync(job.Id, Owner, result.Checkpoint, _time.GetUtcNow(), CancellationToken.None);
                LogSuspended(job.Id, result.Checkpoint.NextRow);
                break;
        }
    }

    /// <summary>Counts the input's rows and stores the total; a count that fails leaves it unknown (the run reports the file's problem).</summary>
    private async Task CountBesideAsync(string id, JobSpec spec, string version, CancellationToken stop)
    {
        try
        {
            var total = await DatasetReaders.CountAsync(spec.InputPath, spec.InputFormat, stop);
            await _store.SetPlanAsync(id, Owner, version, total, stop);
        }
#pragma warning disable CA1031 // Only the total is at stake; the run itself meets and reports any problem of the file.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            LogCountFailed(id, e.GetType().Name);
        }
    }

    private async Task Finish(JobRecord job, JobStatus status, JobCheckpoint checkpoint, string? error, LoadedModel? model = null)
    {
        var format = job.Spec.OutputFormat;
        if (format == DatasetFormat.Parquet && model is not null)
        {
            var outputs = job.Spec.Outputs is { Count: > 0 } names ? [.. names.Select(n => model.FindOutput(n)!)] : model.Outputs;
            var labels = outputs.Select(o => model.Labels.TryGetValue(o.Name, out var l) ? l : null).ToArray();
            var stacked = new RowShaper(model, job.Spec).StacksRows;
            var working = Files.WorkingOutputPath(job.Id, format);
            var workingErrors = Files.WorkingErrorsPath(job.Id, format);
            if (File.Exists(working))
            {
                await ParquetResultConverter.ConvertOutputAsync(working, Files.OutputPath(job.Id, format), outputs, labels, job.Spec.Key is not null, stacked, CancellationToken.None);
            }
            if (File.Exists(workingErrors))
            {
                await ParquetResultConverter.ConvertErrorsAsync(workingErrors, Files.ErrorsPath(job.Id, format), job.Spec.Key is not null, CancellationToken.None);
            }
        }
        if (await _store.FinishAsync(job.Id, Owner, status, checkpoint, error, _time.GetUtcNow(), CancellationToken.None))
        {
            LogFinished(job.Id, JobStatuses.Name(status), checkpoint.Succeeded, checkpoint.Failed);
            if (format == DatasetFormat.Parquet)
            {
                File.Delete(Files.WorkingOutputPath(job.Id, format));
                File.Delete(Files.WorkingErrorsPath(job.Id, format));
            }
        }
        await RefreshStatusesAsync(CancellationToken.None);
    }

    private async Task RefreshStatusesAsync(CancellationToken cancellationToken)
    {
        if (_metrics is not null)
        {
            _metrics.SetStatuses(await _store.CountByStatusAsync(cancellationToken));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _threads.Dispose();
    }

    private sealed class RunningJob(CancellationTokenSource stop)
    {
        public CancellationTokenSource Stop { get; } = stop;

        public volatile bool Cancelled;

        public Task Task { get; set; } = Task.CompletedTask;

        /// <summary>Stops the run (a cancel when <paramref name="cancelled"/>, else a shutdown); harmless once it ended.</summary>
        public void Cancel(bool cancelled)
        {
            Cancelled |= cancelled;
            try
            {
                Stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended meanwhile.
            }
        }
    }

    [LoggerMessage(EventId = 5011, Level = LogLevel.Debug, Message = "Batch job {Id}: its input was not counted ({Reason}); its total stays unknown")]
    private partial void LogCountFailed(string id, string reason);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Resuming {Count} batch jobs that were running when the server stopped")]
    private partial void LogResuming(int count);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Batch job {JobId} runs on {Model} version {Version}: {Total} rows (empty: still being counted), from row {FromRow}")]
    private partial void LogStarted(string jobId, string model, string version, long? total, long fromRow);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Batch job {JobId} {Status}: {Succeeded} rows succeeded, {Failed} failed")]
    private partial void LogFinished(string jobId, string status, long succeeded, long failed);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Batch job {JobId} suspended at row {NextRow}; it resumes from there")]
    private partial void LogSuspended(string jobId, long nextRow);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Batch job {JobId} holds after {Rows} rows written (Jobs:HoldAfterRows)")]
    private partial void LogHolding(string jobId, long rows);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Error, Message = "Batch job {JobId} failed on the server")]
    private partial void LogJobCrashed(string jobId, Exception error);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Critical, Message = "The job directory cannot be used; batch jobs are unavailable")]
    private partial void LogUnavailable(Exception error);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "Claiming batch jobs failed; retrying")]
    private partial void LogClaimFailed(Exception error);
}
