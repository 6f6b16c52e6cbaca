using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Scheduling;

/// <summary>
/// The scheduler of one model version: a bounded queue in front of its session instances, each instance served by a
/// dedicated thread that forms a batch from the head of the queue (<see cref="BatchSizing"/>), runs it and hands the
/// results back. ONNX Runtime's Run blocks, so it runs on these threads and never on the thread pool, where it
/// would delay timers, cancellation and I/O.
/// <para>
/// Lock invariants (all under <c>_gate</c>): a request is in at most one of <c>_onTime</c> and <c>_delayed</c>, and
/// its <see cref="QueuedRequest.Node"/> is set exactly while it is; <c>_queued</c> is the sum of the two lists'
/// lengths; a request leaves the queue once, by being taken into a batch, cancelled or timed out, and whichever
/// happens first completes it (a taken request is completed by the instance that ran it). The estimates
/// (<c>_estimates</c>) and the start of the current hold (<c>_holdStarted</c>) are read and written only under the
/// lock: arrivals are recorded by <see cref="Enqueue"/>, Runs by whoever made them as it gives the session back
/// (<c>_idleSessions</c> and the average Run cost are guarded by the same lock). Only an instance waiting in <see cref="TakeBatch"/> decides; it decides on every wake-up (an
/// arrival, the hold's timer, shutdown) from the queue as it is then, and whoever takes a batch while requests remain
/// wakes another instance, so no idle instance sleeps on a queue it could serve.
/// </para>
/// <para>
/// The decision rule, when an instance is free and the head of the queue can start a batch (same outputs, same
/// shapes apart from the batch dimension, never reordered): the batch goes at once when it is full (it reaches
/// <c>max_batch_size</c>, or the next request would overflow it or cannot join it), when it forms a preferred size
/// exactly (the largest formed), when the oldest request has waited <c>max_queue_delay_microseconds</c>, or when the
/// server is draining. Otherwise it is held only while waiting can make a fuller batch soon: the fixed cost of a
/// Run (the instance time one Run fewer saves, fitted to recent Runs of different sizes) bounds how long a hold may
/// pay, and the hold lasts while at least one more row is expected, from the recent arrival rate, before that time
/// is up (<see cref="BatchWaitEstimator.HoldUntil"/>). The system clock's timers count whole milliseconds, so on it
/// a hold is cut down to whole milliseconds (never past its end), and one shorter than a millisecond is not made,
/// since it would overshoot or spin on the timer (an arrival still ends a hold sooner). With no estimate yet, or
/// with arrivals further apart than a Run's fixed cost, that is no hold at all: the batch goes now.
/// Rows that arrive while every instance is busy gather in the queue by themselves and go together when one is free,
/// the natural batching of a busy server, which needs no waiting.
/// </para>
/// <para>
/// Runs on the caller's thread: when nothing waits and no request has had to wait for that long, an instance is idle,
/// the request would go at once anyway, and recent Runs say this one takes less than
/// <see cref="SchedulingOptions.InlineRunLimitMicroseconds"/>, the request runs on the thread that enqueues it, on the idle instance's session. Handing a short Run to an instance thread
/// and its answer back costs two thread wake-ups, which on a busy machine take longer than the Run itself; a short
/// Run holds a pool thread for less time than the wake-ups would. Sessions are therefore not owned by the instance
/// threads: whoever runs takes an idle one (<c>_idleSessions</c>) and gives it back, so a session never runs two
/// batches at once and at most as many Runs are made at once as there are instances. Longer Runs, and every Run
/// while others wait, stay on the instance threads.
/// </para>
/// <para>
/// How this differs from Triton: Triton's dynamic batcher holds a batch smaller than a preferred size (or than
/// <c>max_batch_size</c>) until the delay passes, even on an idle instance and when nothing else is coming, so a
/// cheap model at low load pays the whole delay on every request. Here the delay is only an upper bound on the wait;
/// every other knob means what it means in Triton (<c>preferred_batch_size</c> still sends a batch at once when
/// formed and is preferred over a larger batch before the delay, <c>max_batch_size</c> caps a batch,
/// <c>preserve_ordering</c> and the queue policy are unchanged).
/// </para>
/// </summary>
public sealed class DynamicBatchScheduler : IDisposable
{
    // How long disposal waits for the instances to finish the queue before releasing the sessions under them.
    private static readonly TimeSpan s_drainLimit = TimeSpan.FromSeconds(30);

    private readonly ScheduledModel _model;
    private readonly BatchingPolicy _policy;
    private readonly SchedulerContext _context;
    private readonly object _gate = new();
    private readonly LinkedList<QueuedRequest> _onTime = new();
    private readonly LinkedList<QueuedRequest> _delayed = new();
    // The batch-job lane: served only when no online request waits (see CollectCandidates), never held for a fuller
    // batch, outside the queue bound (a job paces itself) and without a queue timeout.
    private readonly LinkedList<QueuedRequest> _background = new();
    private readonly List<QueuedRequest> _candidates = [];
    private readonly int[] _candidateRows;
    private readonly ITimer _holdTimer;
    private readonly OrderedCompletion? _ordering;
    private readonly Thread[] _instances;
    private readonly BatchWaitEstimator _estimates;
    private readonly Stack<OnnxSession> _idleSessions;
    private readonly int _sessionCount;
    private readonly long _inlineLimitTicks;
    // A moving average of the instance time recent Runs took per row (timestamp ticks); below 0 while no Run is known.
    private double _ticksPerRow = -1;
    // When an online request last had to queue: a busy model keeps its Runs on the instance threads (see TakeIdleSessionForCaller).
    private long _lastQueued = long.MinValue / 2;
    private readonly long _maxQueueDelayTicks;
    private readonly bool _mayHold;
    private readonly TimeSpan _timerResolution;
    private long? _holdStarted;
    private int _queued;
    private int _backgroundQueued;
    private int _running;
    private long _nextBatch;
    private bool _stopping;

    /// <summary>
    /// A scheduler for <paramref name="model"/>'s <paramref name="sessions"/>, one thread per session. Whoever builds
    /// it owns it (the model's loader hands it to the model it serves, which disposes it before its sessions).
    /// </summary>
    public DynamicBatchScheduler(ScheduledModel model, IReadOnlyList<OnnxSession> sessions, BatchingPolicy policy, SchedulerContext context)
    {
        _model = model;
        _policy = policy;
        _context = context;
        _candidateRows = new int[Math.Max(1, policy.MaxBatchSize)];
        _holdTimer = context.Time.CreateTimer(static state => ((DynamicBatchScheduler)state!).Wake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _ordering = policy.PreserveOrdering && sessions.Count > 1 ? new OrderedCompletion() : null;
        _maxQueueDelayTicks = (long)Math.Min(long.MaxValue / 2.0, policy.MaxQueueDelay.Ticks * (double)context.Time.TimestampFrequency / TimeSpan.TicksPerSecond);
        _mayHold = policy.Batching && _maxQueueDelayTicks > 0;
        _estimates = new BatchWaitEstimator(_maxQueueDelayTicks);
        _idleSessions = new Stack<OnnxSession>(sessions);
        _sessionCount = sessions.Count;
        _inlineLimitTicks = _ordering is null
            ? (long)(context.Options.InlineRunLimitMicroseconds * (double)context.Time.TimestampFrequency / 1_000_000)
            : 0; // runs on callers' threads would overtake each other
        // The system clock's timers count whole milliseconds and drop the rest: a shorter due time fires at once.
        _timerResolution = ReferenceEquals(context.Time, TimeProvider.System) ? TimeSpan.FromMilliseconds(1) : TimeSpan.Zero;
        _instances = new Thread[sessions.Count];
        for (var i = 0; i < _instances.Length; i++)
        {
            _instances[i] = new Thread(ServeInstance) { IsBackground = true, Name = $"{model.Name}:{model.Version} instance {i}" };
            _instances[i].Start();
        }
    }

    /// <summary>The queue and batching settings (the admission door reads the queue bound).</summary>
    internal BatchingPolicy Policy => _policy;

    /// <summary>What every scheduler shares (the admission door reads the shutdown switch and the server-wide limit).</summary>
    internal SchedulerContext Context => _context;

    /// <summary>Cumulative request and Run counters (Triton's statistics extension).</summary>
    public ModelStatistics Statistics { get; } = new();

    /// <summary>Requests waiting in the queue.</summary>
    public int QueueDepth => Volatile.Read(ref _queued);

    /// <summary>Requests admitted and not yet answered: waiting or running.</summary>
    public int InFlight => Volatile.Read(ref _queued) + Volatile.Read(ref _running);

    /// <summary>
    /// Refuses a request at once when it could not be admitted now (the server stopping or full, the queue full), so
    /// that under overload a refusal costs less than reading and decoding the body it would have come with. A request
    /// that passes may still be refused by <see cref="Enqueue"/> if others filled the queue meanwhile.
    /// </summary>
    public void ThrowIfFull()
    {
        _context.ThrowIfRefusingRequests();
        if (Volatile.Read(ref _queued) - Volatile.Read(ref _backgroundQueued) >= _policy.MaxQueueSize)
        {
            Statistics.RecordFailure(TimeSpan.Zero);
            throw QueueFull();
        }
    }

    /// <summary>
    /// Admits <paramref name="request"/> or refuses it at once (503: shutting down, server or queue full). The task
    /// completes with the result, with <see cref="InferenceException"/> (504 when it timed out in the queue), or as
    /// cancelled when its token was cancelled before it ran. The request's inputs must stay alive until then.
    /// </summary>
    internal Task<InferenceResult> Enqueue(QueuedRequest request, TimeSpan? requestedTimeout)
    {
        request.CancellationToken.ThrowIfCancellationRequested();
        if (_context.ShuttingDown)
        {
            throw SchedulerContext.ShuttingDownError();
        }
        if (!_context.Admission.TryAdmit())
        {
            throw _context.ServerFullError();
        }
        OnnxSession? inlineSession = null;
        lock (_gate)
        {
            var background = request.Priority == RequestPriority.Job;
            if (_stopping || (!background && _queued - _backgroundQueued >= _policy.MaxQueueSize))
            {
                _context.Admission.Release();
                Statistics.RecordFailure(TimeSpan.Zero);
                throw _stopping
                    ? new InferenceException(InferenceErrorKind.ModelNotReady, $"Model '{_model.Name}' version {_model.Version} is being unloaded.")
                    : QueueFull();
            }
            request.Admitted = _context.Time.GetTimestamp();
            if (_mayHold && !background)
            {
                _estimates.RecordArrival(request.Admitted, request.Rows);
            }
            if (!background && TakeIdleSessionForCaller(request) is { } idle)
            {
                _running++;
                inlineSession = idle;
            }
            else
            {
                Queue(request, background, requestedTimeout);
            }
        }
        if (inlineSession is not null)
        {
            return RunOnCallerThread(request, inlineSession);
        }
        // Registered outside the lock (a token cancelled meanwhile runs the callback at once, and it takes the lock),
        // then kept under it, where taking the request into a batch reads it.
        var registration = request.CancellationToken.UnsafeRegister(OnCancelled, request);
        lock (_gate)
        {
            if (request.Node is null)
            {
                registration.Unregister(); // already taken, timed out or cancelled
            }
            else
            {
                request.Cancellation = registration;
            }
        }
        return request.Completion.Task;
    }

    /// <summary>Puts an admitted request in its lane and wakes an instance (under the lock).</summary>
    private void Queue(QueuedRequest request, bool background, TimeSpan? requestedTimeout)
    {
        request.Node = background ? _background.AddLast(request) : _onTime.AddLast(request);
        _lastQueued = background ? _lastQueued : request.Admitted;
        _queued++;
        _backgroundQueued += background ? 1 : 0;
        var timeout = background ? TimeSpan.Zero : _policy.TimeoutFor(requestedTimeout);
        if (timeout > TimeSpan.Zero)
        {
            request.Timeout = _context.Time.CreateTimer(OnQueueTimeout, (request, timeout), timeout, Timeout.InfiniteTimeSpan);
        }
        if (_idleSessions.Count > 0)
        {
            Monitor.Pulse(_gate); // with every session busy, whoever gives one back serves or wakes: no wake-up for nothing
        }
    }

    /// <summary>
    /// An idle session for an online request to run on its caller's thread, or null when it should queue (under the
    /// lock): an online request already waits, no instance is idle, recent Runs do not say this one is short, or the
    /// batcher would hold it for a fuller batch.
    /// </summary>
    private OnnxSession? TakeIdleSessionForCaller(QueuedRequest request)
    {
        // Under steady load (a request had to queue within the last limit's worth of time) the instance threads stay
        // busy back to back and Runs on callers' threads would only add wake-ups: the queue serves everyone then.
        if (_inlineLimitTicks <= 0 || _queued > _backgroundQueued || _idleSessions.Count == 0
            || _ticksPerRow < 0 || _ticksPerRow * Math.Max(1, request.Rows) >= _inlineLimitTicks
            || request.Admitted - _lastQueued < _inlineLimitTicks)
        {
            return null;
        }
        if (_mayHold && BatchSizing.RequestsToSend([request.Rows], _policy, closed: false, delayExpired: false) == 0)
        {
            var now = request.Admitted;
            if (TimerDue(_estimates.HoldUntil(now, now, now + _maxQueueDelayTicks) - now) is not null)
            {
                return null; // more rows are expected soon enough to be worth a hold: the instance thread decides
            }
        }
        return _idleSessions.Pop();
    }

    /// <summary>Runs a request that skipped the queue on the calling thread, then gives its session back.</summary>
    private Task<InferenceResult> RunOnCallerThread(QueuedRequest request, OnnxSession session)
    {
        List<QueuedRequest> batch = [request];
        var taken = _context.Time.GetTimestamp();
        var results = RunBatch(batch, session, taken);
        Deliver(batch, results);
        var spent = _context.Time.GetTimestamp() - taken;
        lock (_gate)
        {
            ReturnSession(session, results is null ? -1 : request.Rows, spent, wakeAnInstance: true);
        }
        return request.Completion.Task;
    }

    /// <summary>
    /// Gives back a session after a batch of <paramref name="rows"/> rows that took <paramref name="ticks"/> (rows
    /// below 0: the Run failed and says nothing of its cost), and, when <paramref name="wakeAnInstance"/> (the session
    /// comes back from a caller's thread, not from an instance that serves the queue next anyway), wakes an instance
    /// if requests wait (under the lock).
    /// </summary>
    private void ReturnSession(OnnxSession session, int rows, long ticks, bool wakeAnInstance)
    {
        if (rows >= 0)
        {
            if (_mayHold)
            {
                _estimates.RecordRun(rows, ticks);
            }
            var perRow = Math.Max(0, ticks) / (double)Math.Max(1, rows);
            _ticksPerRow = _ticksPerRow < 0 ? perRow : _ticksPerRow + RunCostWeight * (perRow - _ticksPerRow);
        }
        _idleSessions.Push(session);
        if (_stopping)
        {
            Monitor.PulseAll(_gate); // disposal waits for every session to come back
        }
        else if (wakeAnInstance && _queued > 0)
        {
            Monitor.Pulse(_gate);
        }
    }

    // How much each Run moves the average cost per row: recent enough to follow a change, steady over one slow Run.
    private const double RunCostWeight = 0.2;

    /// <summary>
    /// Stops taking requests, lets the instances finish every queued one (up to a limit), then returns; the caller
    /// disposes the sessions afterwards.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        var deadline = Environment.TickCount64 + (long)s_drainLimit.TotalMilliseconds;
        foreach (var instance in _instances)
        {
            instance.Join(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64)));
        }
        lock (_gate)
        {
            // Runs on callers' threads still hold their sessions, which the caller disposes after this returns.
            while (_idleSessions.Count < _sessionCount && deadline - Environment.TickCount64 > 0)
            {
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(deadline - Environment.TickCount64));
            }
        }
        // Whatever is still queued (the instances are stuck) is answered rather than left waiting forever.
        lock (_gate)
        {
            foreach (var request in _onTime.Concat(_delayed).Concat(_background).ToArray())
            {
                Remove(request);
                Fail(request, new InferenceException(InferenceErrorKind.ModelNotReady, $"Model '{_model.Name}' version {_model.Version} was unloaded before the request ran."));
            }
        }
        _holdTimer.Dispose();
    }

    private void ServeInstance()
    {
        OnnxSession? session = null;
        var (rows, spent) = (-1, 0L);
        while (TakeBatch(ref session, out var sequence, rows, spent) is { } batch)
        {
            var taken = _context.Time.GetTimestamp();
            var results = RunBatch(batch, session!, taken);
            if (_ordering is null)
            {
                Deliver(batch, results);
            }
            else
            {
                _ordering.Complete(sequence, () => Deliver(batch, results));
            }
            // What this batch cost the instance, for the estimate of a Run's fixed cost; a failed Run says nothing.
            (rows, spent) = results is null ? (-1, 0L) : (RowsOf(batch), _context.Time.GetTimestamp() - taken);
        }
    }

    private static int RowsOf(List<QueuedRequest> batch)
    {
        var rows = 0;
        foreach (var request in batch)
        {
            rows += request.Rows;
        }
        return rows;
    }

    /// <summary>
    /// Gives back the session of the instance's last batch with what it cost (<paramref name="lastRows"/> below 0:
    /// nothing to record), then waits for the next batch to send and an idle session to run it on (in
    /// <paramref name="session"/>); null once the scheduler stops and the queue is empty.
    /// </summary>
    private List<QueuedRequest>? TakeBatch(ref OnnxSession? session, out long sequence, int lastRows, long lastTicks)
    {
        lock (_gate)
        {
            if (session is not null)
            {
                ReturnSession(session, lastRows, lastTicks, wakeAnInstance: false);
                session = null;
            }
            while (true)
            {
                if (_queued == 0)
                {
                    _holdStarted = null;
                    if (_stopping)
                    {
                        sequence = -1;
                        return null;
                    }
                    Monitor.Wait(_gate);
                    continue;
                }
                if (_idleSessions.Count == 0)
                {
                    Monitor.Wait(_gate); // every session runs a caller's request; the first given back wakes one
                    continue;
                }
                var closed = CollectCandidates() || _stopping || _context.ShuttingDown;
                var rows = _candidateRows.AsSpan(0, _candidates.Count);
                var oldest = _candidates[0].Admitted;
                var now = _context.Time.GetTimestamp();
                var delayExpired = _context.Time.GetElapsedTime(oldest, now) >= _policy.MaxQueueDelay;
                var count = BatchSizing.RequestsToSend(rows, _policy, closed, delayExpired);
                if (count == 0)
                {
                    // The batch could still grow: hold it only while more rows are expected soon enough to pay.
                    _holdStarted ??= now;
                    var holdUntil = _estimates.HoldUntil(now, _holdStarted.Value, oldest + _maxQueueDelayTicks);
                    if (TimerDue(holdUntil - now) is { } due)
                    {
                        _holdTimer.Change(due, Timeout.InfiniteTimeSpan);
                        Monitor.Wait(_gate);
                        continue;
                    }
                    count = BatchSizing.RequestsToSend(rows, _policy, closed, delayExpired, waitingCannotHelp: true);
                }
                var batch = _candidates.GetRange(0, count);
                foreach (var request in batch)
                {
                    Remove(request);
                }
                _running += batch.Count;
                _holdStarted = null;
                session = _idleSessions.Pop();
                sequence = _nextBatch++;
                if (_queued > 0 && _instances.Length > 1)
                {
                    Monitor.Pulse(_gate); // another idle instance may serve what is left
                }
                return batch;
            }
        }
    }

    /// <summary>
    /// The timer's due time for a hold of <paramref name="timestampTicks"/>, cut down to what the timer can count (it
    /// never fires after the hold's end, so never past the delay), or null when that leaves nothing: a hold shorter
    /// than the timer's resolution is not made, since it would either overshoot or spin on the timer.
    /// </summary>
    private TimeSpan? TimerDue(long timestampTicks)
    {
        if (timestampTicks <= 0)
        {
            return null;
        }
        var due = TimeSpan.FromTicks((long)(timestampTicks * (double)TimeSpan.TicksPerSecond / _context.Time.TimestampFrequency));
        if (_timerResolution > TimeSpan.Zero)
        {
            due = TimeSpan.FromTicks(due.Ticks - due.Ticks % _timerResolution.Ticks);
        }
        return due > TimeSpan.Zero ? due : null;
    }

    /// <summary>
    /// Fills the candidates: the queued requests, oldest first (on-time before delayed), that can share a Run with the
    /// oldest, stopping where one cannot or where the batch would overflow. Returns whether a request that cannot
    /// share the Run ended the list (so waiting cannot grow the batch). Batch-job requests are taken only when no
    /// online request waits, and a batch of them is never held: they arrive as full batches, and a held one would
    /// only delay the online request that may come next.
    /// </summary>
    private bool CollectCandidates()
    {
        _candidates.Clear();
        var rows = 0;
        var lane = _queued > _backgroundQueued ? _onTime.Concat(_delayed) : _background;
        foreach (var request in lane)
        {
            if (_candidates.Count > 0 && (!_policy.Batching || !request.CanShareRunWith(_candidates[0])))
            {
                return _policy.Batching;
            }
            if (_candidates.Count == _candidateRows.Length)
            {
                return true; // as many requests as a batch can hold (requests of no rows can be many)
            }
            _candidateRows[_candidates.Count] = request.Rows;
            _candidates.Add(request);
            rows += request.Rows;
            if (rows > _policy.MaxBatchSize)
            {
                return false;
            }
        }
        return ReferenceEquals(lane, _background);
    }

    private InferenceResult?[]? RunBatch(List<QueuedRequest> batch, OnnxSession session, long taken)
    {
        try
        {
            var results = BatchRun.Execute(_model, batch, session, _context.Time, taken, out var execution);
            Statistics.RecordRun(execution, _context.Time.GetUtcNow());
            Observe(execution);
            return results;
        }
        catch (Exception e)
        {
            Observe(new BatchExecution(_model.Name, _model.Version, batch.Sum(r => r.Rows), batch.Count, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, Succeeded: false));
            if (batch.Count > 1 && e is OnnxRuntimeException onnxError && OnnxErrors.IsInvalidArgument(onnxError))
            {
                // One request's data can make an operator refuse the whole batch: run each alone, so only it fails.
                return [.. batch.Select(request => RunBatch([request], session, taken)?[0])];
            }
            foreach (var request in batch)
            {
                FailRun(request, e);
            }
            return null;
        }
    }

    private void Deliver(List<QueuedRequest> batch, InferenceResult?[]? results)
    {
        if (results is null)
        {
            return; // Every request already failed.
        }
        var answered = 0;
        foreach (var result in results)
        {
            answered += result is null ? 0 : 1;
        }
        lock (_gate)
        {
            _running -= answered; // once for the batch: each Run takes the lock once, not once per request
        }
        for (var i = 0; i < batch.Count; i++)
        {
            var request = batch[i];
            if (results[i] is not { } result)
            {
                continue; // Already failed.
            }
            _context.Admission.Release();
            Statistics.RecordSuccess(_context.Time.GetElapsedTime(request.Admitted), result.Timings);
            if (!request.Completion.TrySetResult(result))
            {
                result.Dispose();
            }
        }
    }

    /// <summary>Answers a request whose Run failed.</summary>
    private void FailRun(QueuedRequest request, Exception error)
    {
        lock (_gate)
        {
            _running--;
        }
        _context.Admission.Release();
        var answer = error switch
        {
            OperationCanceledException => null,
            // The inputs passed the metadata checks but an operator refused them (a shape it cannot broadcast, say).
            OnnxRuntimeException onnxError when OnnxErrors.IsInvalidArgument(onnxError) => InferenceException.InvalidInput($"Model '{_model.Name}' cannot run on these inputs: {OnnxErrors.Describe(onnxError)}"),
            _ => error,
        };
        if (answer is null)
        {
            request.Completion.TrySetCanceled(request.CancellationToken);
        }
        else
        {
            Statistics.RecordFailure(_context.Time.GetElapsedTime(request.Admitted));
            request.Completion.TrySetException(answer);
        }
    }

    private void OnQueueTimeout(object? state)
    {
        var (request, timeout) = ((QueuedRequest, TimeSpan))state!;
        lock (_gate)
        {
            if (request.Node is null || request.Delayed)
            {
                return;
            }
            if (_policy.TimeoutAction == TimeoutAction.Delay)
            {
                _onTime.Remove(request.Node);
                request.Node = _delayed.AddLast(request);
                request.Delayed = true;
                return;
            }
            Remove(request);
            Fail(request, new InferenceException(InferenceErrorKind.DeadlineExceeded,
                $"The request waited {timeout.TotalMilliseconds:0.###} ms in the queue of model '{_model.Name}' version {_model.Version}, its timeout, and was not run."));
        }
    }

    private void OnCancelled(object? state)
    {
        var request = (QueuedRequest)state!;
        lock (_gate)
        {
            if (request.Node is null)
            {
                return; // Taken into a batch (which runs on) or already answered.
            }
            Remove(request);
            request.Completion.TrySetCanceled(request.CancellationToken);
            _context.Admission.Release();
        }
    }

    /// <summary>Takes a request out of the queue (under the lock).</summary>
    private void Remove(QueuedRequest request)
    {
        request.Node!.List!.Remove(request.Node);
        request.Node = null;
        _queued--;
        _backgroundQueued -= request.Priority == RequestPriority.Job ? 1 : 0;
        request.StopWatching();
    }

    /// <summary>Answers a request that was removed from the queue without running (under the lock).</summary>
    private void Fail(QueuedRequest request, InferenceException error)
    {
        Statistics.RecordFailure(_context.Time.GetElapsedTime(request.Admitted));
        request.Completion.TrySetException(error);
        _context.Admission.Release();
    }

    internal InferenceException QueueFull() =>
        new(InferenceErrorKind.Overloaded, $"Model '{_model.Name}' version {_model.Version} has {_policy.MaxQueueSize} requests queued, its limit; retry later.");

    private void Observe(in BatchExecution execution)
    {
        try
        {
            _context.Observer?.OnBatchExecuted(execution);
        }
        catch (Exception)
        {
            // Telemetry must never take down an instance thread (an exception here would end the process).
        }
    }

    private void Wake()
    {
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }
}
