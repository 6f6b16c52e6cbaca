using System.Threading.Channels;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// Runs the rows of one job through a model: reads them in order, shapes and decodes them in batches through the
/// real-time path's checks, queues each batch in the scheduler's job lane (online requests go first), keeps a few
/// batches in flight so the instances never wait on the reader, and writes each batch's rows in input order. Bad rows
/// go to the errors file with their message and the job goes on. It checkpoints as it goes: rows written and flushed
/// to disk first, then the checkpoint handed to <see cref="JobRunSettings.Checkpoint"/>, which stores it. The fsync and
/// the store run beside the rows, one checkpoint at a time: waiting for the disk would stall every batch behind it.
/// </summary>
public sealed class JobRunner(InferencePipeline pipeline, TimeProvider time)
{
    /// <summary>A single row this far below the rows needed before the failed-row ratio is judged.</summary>
    internal const int RatioMinimumRows = 100;

    private static readonly TimeSpan s_retryDelay = TimeSpan.FromMilliseconds(20);

    /// <summary>Runs the job from <paramref name="start"/> (rows before it are done) until the reader's end, a stop or a failure.</summary>
    public async Task<JobRunResult> RunAsync(LoadedModel model, JobSpec spec, IDatasetReader reader, JobResultFilesSpec files, JobCheckpoint start, JobRunSettings settings, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(settings);
        var shaper = new RowShaper(model, spec);
        var decoder = new RowBatchDecoder(pipeline, model, shaper, spec.Outputs);
        var typed = TypedBatchDecoder.TryCreate(pipeline, model, shaper, spec.Outputs);
        var outputs = ResolveOutputs(model, spec.Outputs);
        await using var results = new JobResultFiles(files.OutputPath, files.ErrorsPath, files.Csv, start, model, outputs, spec.Key is not null, shaper.StacksRows);
        var state = new RunState(start);
        // Reading and shaping run ahead of writing, on a task of their own: while this loop waits for one batch's Run
        // and writes its rows, the next batches are read and queued. The slots bound the requests queued at once.
        var batches = Channel.CreateUnbounded<PendingBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var slots = new SemaphoreSlim(settings.BatchesInFlight, settings.BatchesInFlight);
        using var readStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var yielding = new OnlineYield(pipeline.Online, settings.CpuShareWhileOnline, settings.RowsPerRequestWhileOnline, settings.SchedulerSliceWhileOnline);
        // On the scheduler this run is on: the server's job threads (JobThreads), or the pool for the batch command.
        var producer = Task.Factory.StartNew(
            () => ProduceAsync(reader, shaper, decoder, typed, settings.PaceRows, yielding, batches.Writer, slots, readStop.Token, stop),
            CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler.Current).Unwrap();
        var lastCheckpoint = time.GetTimestamp();
        var rowsSinceCheckpoint = 0L;
        Task<bool>? checkpointing = null; // the checkpoint on its way to disk and to the store, if one is
        string? failure = null;
        var stopped = false;
        try
        {
            while (failure is null && !stopped && await batches.Reader.WaitToReadAsync(CancellationToken.None))
            {
                if (!batches.Reader.TryRead(out var done))
                {
                    continue;
                }
                failure = await CompleteAsync(done, results, state, spec, shaper, decoder, stop);
                reader.RowsDone(state.NextRow); // the batch's rows are written: what holds them may be reused
                slots.Release();
                rowsSinceCheckpoint += done.Rows.Count;
                if (failure is not null)
                {
                    break;
                }
                if (settings.HoldAfterRows is { } hold && state.NextRow >= hold)
                {
                    // Fault injection: rows past the last checkpoint are written (and flushed, not synced), then
                    // nothing more happens until the process is killed.
                    if (checkpointing is not null)
                    {
                        await checkpointing;
                    }
                    await results.WriteOutAsync(stop);
                    settings.OnHold?.Invoke(state.NextRow);
                    await Task.Delay(Timeout.Infinite, stop);
                }
                if (rowsSinceCheckpoint >= settings.CheckpointRows || time.GetElapsedTime(lastCheckpoint) >= settings.CheckpointInterval)
                {
                    // The last one has long been stored by now, unless checkpoints come faster than the disk syncs.
                    if (checkpointing is not null && !await checkpointing)
                    {
                        stopped = true;
                        break;
                    }
                    checkpointing = StoreBeside(await results.WriteOutAsync(stop), results, state, settings, stop);
                    (rowsSinceCheckpoint, lastCheckpoint) = (0, time.GetTimestamp());
                }
            }
            if (checkpointing is not null && !stopped && !await checkpointing)
            {
                stopped = true; // cancelled, or the lease lost: told by the last checkpoint
            }
            // The batches still in flight are finished and written (a stop lets them finish: they are queued already).
            await readStop.CancelAsync();
            await producer;
            while (failure is null && batches.Reader.TryRead(out var done))
            {
                failure = await CompleteAsync(done, results, state, spec, shaper, decoder, CancellationToken.None);
            }
            if (failure is null && spec.MaxFailedRatio is { } ratio && state.Failed > 0 && state.Failed > ratio * (state.Succeeded + state.Failed))
            {
                failure = TooManyFailures(state, spec);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            stopped = true;
        }
        finally
        {
            if (checkpointing is not null)
            {
                await ((Task)checkpointing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // before the files close
            }
            await readStop.CancelAsync();
            await producer;
            while (batches.Reader.TryRead(out var left))
            {
                left.Dispose();
            }
        }
        var (output, errors) = await results.FlushAsync(CancellationToken.None);
        var last = state.Checkpoint(output, errors);
        if (failure is not null)
        {
            return new JobRunResult(JobRunOutcome.Failed, last, failure);
        }
        return new JobRunResult(stopped || stop.IsCancellationRequested ? JobRunOutcome.Stopped : JobRunOutcome.Completed, last, null);
    }

    /// <summary>
    /// Reads batches and queues their requests until the input ends or <paramref name="readStop"/>; then completes
    /// <paramref name="batches"/>, with the exception that ended the reading if one did (the writing loop rethrows it).
    /// </summary>
    private async Task ProduceAsync(IDatasetReader reader, RowShaper shaper, RowBatchDecoder decoder, TypedBatchDecoder? typed, Func<int, CancellationToken, ValueTask>? pace, OnlineYield yielding, ChannelWriter<PendingBatch> batches, SemaphoreSlim slots, CancellationToken readStop, CancellationToken stop)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                yielding.HandOverCores();
                await slots.WaitAsync(readStop);
                var started = time.GetTimestamp();
                var batch = await ReadBatchAsync(reader, shaper, decoder, typed, yielding.RowsPerRequest(shaper.RowsPerRequest), pace, readStop, stop);
                if (batch is null)
                {
                    break;
                }
                batches.TryWrite(batch); // unbounded: the slots bound it
                if (yielding.PauseAfter(time.GetElapsedTime(started)) is { Ticks: > 0 } pause)
                {
                    await Task.Delay(pause, time, readStop);
                }
            }
        }
#pragma warning disable CA1031 // Every exception is handed to the writing loop, which decides.
        catch (Exception e)
#pragma warning restore CA1031
        {
            error = e;
        }
        batches.TryComplete(error);
    }

    private static IReadOnlyList<TensorInfo> ResolveOutputs(LoadedModel model, IReadOnlyList<string>? names)
    {
        if (names is not { Count: > 0 })
        {
            return model.Outputs;
        }
        var missing = names.Where(n => model.FindOutput(n) is null).ToArray();
        if (missing.Length > 0)
        {
            throw InferenceException.InvalidInput($"Model '{model.Name}' has no output named '{missing[0]}' (its outputs: {model.OutputNames}).");
        }
        return [.. names.Select(n => model.FindOutput(n)!)];
    }

    /// <summary>
    /// Syncs the rows handed to the operating system (up to <paramref name="lengths"/>, and any written since) and then
    /// stores the checkpoint for them, on a pool thread, while the rows go on.
    /// </summary>
    private static Task<bool> StoreBeside((long Output, long Errors) lengths, JobResultFiles results, RunState state, JobRunSettings settings, CancellationToken stop)
    {
        var checkpoint = state.Checkpoint(lengths.Output, lengths.Errors);
        return Task.Run(async () =>
        {
            results.SyncToDisk();
            return await settings.Checkpoint(checkpoint, stop);
        }, CancellationToken.None);
    }

    /// <summary>
    /// Reads up to <paramref name="size"/> rows (one request's), checks and decodes them (the typed path first; the
    /// JSON path when a row is not certain to pass it), and queues the request; null at the end of the input.
    /// </summary>
    private async Task<PendingBatch?> ReadBatchAsync(IDatasetReader reader, RowShaper shaper, RowBatchDecoder decoder, TypedBatchDecoder? typed, int size, Func<int, CancellationToken, ValueTask>? pace, CancellationToken readStop, CancellationToken stop)
    {
        var rows = new List<DatasetRow>(size);
        while (rows.Count < size && await reader.ReadAsync(readStop) is { } row)
        {
            rows.Add(row);
        }
        if (rows.Count == 0)
        {
            return null;
        }
        var batch = new PendingBatch(rows);
        var candidates = new List<int>(rows.Count);
        var good = new List<DatasetRow>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            if (shaper.Problem(rows[i]) is { } problem)
            {
                batch.Failures.Add((i, problem));
            }
            else
            {
                candidates.Add(i);
                good.Add(rows[i]);
            }
        }
        if (typed is not null && good.Count > 0 && typed.TryDecode(good) is { } request)
        {
            batch.Request = request;
            batch.Decoded.AddRange(candidates);
        }
        else if (good.Count > 0)
        {
            batch.Shaped = Fragments(batch, candidates, shaper);
            batch.Request = decoder.Decode(batch.Shaped, batch.Failures, batch.Decoded);
        }
        if (batch.Request is not null)
        {
            if (pace is not null)
            {
                try
                {
                    // The rows that will run count against the quota; rows refused by the checks do not.
                    await pace(batch.Decoded.Count, readStop);
                }
                catch
                {
                    batch.Dispose();
                    throw;
                }
            }
            batch.Run = EnqueueAsync(batch.Request, stop);
        }
        return batch;
    }

    /// <summary>The JSON fragments of a batch's rows at <paramref name="indices"/> (rows that have no <see cref="RowShaper.Problem"/>).</summary>
    private static List<(int Index, string[] Fragments)> Fragments(PendingBatch batch, IEnumerable<int> indices, RowShaper shaper)
    {
        var shaped = new List<(int Index, string[] Fragments)>();
        foreach (var i in indices)
        {
            var fragments = new string[shaper.InputCount];
            shaper.Shape(batch.Rows[i], fragments);
            shaped.Add((i, fragments));
        }
        return shaped;
    }

    /// <summary>Queues a request in the job lane, waiting and retrying while the server is full.</summary>
    private async Task<InferenceResult> EnqueueAsync(DecodedRequest request, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                return await pipeline.InferAsync(request, stop, null, RequestPriority.Job);
            }
            catch (InferenceException e) when (e.Kind == InferenceErrorKind.Overloaded && !stop.IsCancellationRequested)
            {
                await Task.Delay(s_retryDelay, time, stop);
            }
        }
    }

    /// <summary>Waits for a batch's Run and writes its rows in order; returns why the job must fail, if it must.</summary>
    private async Task<string?> CompleteAsync(PendingBatch batch, JobResultFiles results, RunState state, JobSpec spec, RowShaper shaper, RowBatchDecoder decoder, CancellationToken stop)
    {
        using var _ = batch;
        InferenceResult? result = null;
        if (batch.Run is { } run)
        {
            try
            {
                result = await run;
            }
            catch (InferenceException e) when (e.Kind == InferenceErrorKind.InvalidInput && batch.Decoded.Count > 1)
            {
                // An operator refused the batch: run each row alone, so only the rows at fault fail.
                await RunAloneAsync(batch, shaper, decoder, stop);
            }
            catch (InferenceException e) when (e.Kind == InferenceErrorKind.InvalidInput)
            {
                batch.Failures.Add((batch.Decoded[0], e.Message));
                batch.Decoded.Clear();
            }
            catch (InferenceException e)
            {
                return $"Row {batch.Rows[0].Index} onwards could not run: {e.Message}";
            }
        }
        using var __ = result;
        using var rows = result is null ? null : new ResultRows(result);
        var failures = batch.Failures.ToDictionary(f => f.Index, f => f.Error);
        var positions = new Dictionary<int, int>(batch.Decoded.Count);
        for (var i = 0; i < batch.Decoded.Count; i++)
        {
            positions[batch.Decoded[i]] = i;
        }
        for (var i = 0; i < batch.Rows.Count; i++)
        {
            var row = batch.Rows[i];
            var key = shaper.KeyOf(row);
            if (failures.TryGetValue(i, out var error))
            {
                results.WriteError(row.Index, key, error);
                state.Failed++;
            }
            else if (batch.Alone.TryGetValue(i, out var alone))
            {
                using var aloneRows = new ResultRows(alone);
                results.WriteSuccess(row.Index, key, aloneRows, 0);
                state.Succeeded++;
            }
            else if (rows is not null && positions.TryGetValue(i, out var position))
            {
                results.WriteSuccess(row.Index, key, rows, shaper.StacksRows ? position : 0);
                state.Succeeded++;
            }
            else
            {
                results.WriteError(row.Index, key, "The row was not run.");
                state.Failed++;
            }
            state.NextRow = row.Index + 1;
        }
        if (spec.MaxFailedRows is { } maxRows && state.Failed > maxRows)
        {
            return TooManyFailures(state, spec);
        }
        if (spec.MaxFailedRatio is { } ratio && state.Succeeded + state.Failed >= RatioMinimumRows && state.Failed > ratio * (state.Succeeded + state.Failed))
        {
            return TooManyFailures(state, spec);
        }
        return null;
    }

    private async Task RunAloneAsync(PendingBatch batch, RowShaper shaper, RowBatchDecoder decoder, CancellationToken stop)
    {
        batch.Shaped ??= Fragments(batch, batch.Decoded, shaper);
        var single = new List<int>(1);
        foreach (var index in batch.Decoded)
        {
            var fragments = batch.Shaped!.First(s => s.Index == index);
            using var request = decoder.Decode([fragments], batch.Failures, single);
            if (request is null)
            {
                continue;
            }
            try
            {
                batch.Alone[index] = await EnqueueAsync(request, stop);
            }
            catch (InferenceException e) when (e.Kind == InferenceErrorKind.InvalidInput)
            {
                batch.Failures.Add((index, e.Message));
            }
        }
        batch.Decoded.Clear();
    }

    private static string TooManyFailures(RunState state, JobSpec spec)
    {
        var done = state.Succeeded + state.Failed;
        return spec.MaxFailedRows is { } rows && state.Failed > rows
            ? $"{state.Failed} rows failed, more than max_failed_rows ({rows}); see the errors file."
            : $"{state.Failed} of {done} rows failed, more than max_failed_ratio ({spec.MaxFailedRatio}) of them; see the errors file.";
    }

    private sealed class RunState(JobCheckpoint start)
    {
        public long NextRow { get; set; } = start.NextRow;

        public long Succeeded { get; set; } = start.Succeeded;

        public long Failed { get; set; } = start.Failed;

        public JobCheckpoint Checkpoint(long output, long errors) => new(NextRow, Succeeded, Failed, output, errors);
    }
}

/// <summary>Where a run writes and in which physical format (CSV, else JSON Lines).</summary>
public sealed record JobResultFilesSpec(string OutputPath, string ErrorsPath, bool Csv);

/// <summary>How a run checkpoints and paces itself.</summary>
public sealed record JobRunSettings
{
    /// <summary>Stores a checkpoint (its rows are on disk already); returns false when the job must stop (cancelled, lease lost).</summary>
    public required Func<JobCheckpoint, CancellationToken, ValueTask<bool>> Checkpoint { get; init; }

    /// <summary>Rows between checkpoints, at most.</summary>
    public int CheckpointRows { get; init; } = 10_000;

    /// <summary>Time between checkpoints, at most.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests queued in the scheduler at once: enough that an instance never waits for the reader.</summary>
    public int BatchesInFlight { get; init; } = 4;

    /// <summary>
    /// The share of the time the job's reading may work while online requests are arriving (see <see cref="OnlineYield"/>);
    /// 1: it does not yield.
    /// </summary>
    public double CpuShareWhileOnline { get; init; } = 1;

    /// <summary>
    /// While online requests are arriving, the most rows a request of the job carries (see <see cref="OnlineYield"/>);
    /// 0: always the job's batch size.
    /// </summary>
    public int RowsPerRequestWhileOnline { get; init; }

    /// <summary>
    /// While online requests are arriving, the time slice the process's other threads ask Linux for (see
    /// <see cref="ThreadSlices"/> and <see cref="OnlineYield.HandOverCores"/>); zero: the kernel's default throughout.
    /// </summary>
    public TimeSpan SchedulerSliceWhileOnline { get; init; }

    /// <summary>Waits until a batch of this many rows may be queued (the submitter's row quota); null: no pacing.</summary>
    public Func<int, CancellationToken, ValueTask>? PaceRows { get; init; }

    /// <summary>Fault injection for tests: once this many rows are written, flush and hold until stopped.</summary>
    public long? HoldAfterRows { get; init; }

    /// <summary>Called when the run holds (see <see cref="HoldAfterRows"/>), with the rows written.</summary>
    public Action<long>? OnHold { get; init; }
}
