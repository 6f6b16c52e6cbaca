using System.Collections.Concurrent;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// The threads batch jobs read, parse and write on: a task scheduler of its own, so that a job's loops never share the
/// thread pool with online requests. Work queued to the pool runs in arrival order, so an online request's next step
/// (Kestrel's receive, the answer after its Run) used to wait behind whatever job work was queued before it; and while
/// online requests arrive during a job, the server's other threads take short time slices (<see cref="ThreadSlices"/>)
/// that these threads keep out of, so a thread woken for an online request gets a core ahead of them. The loops'
/// awaits come back here (an await resumes on the scheduler it started on); the checkpoints' fsync and store writes
/// still go to the pool. Background threads: the process never waits for them.
/// </summary>
public sealed class JobThreads : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> _queue = [];
    private readonly Thread[] _threads;

    /// <param name="count">How many threads: two loops (reading, writing) a running job, and the row count beside them.</param>
    public JobThreads(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            _threads[i] = new Thread(Serve) { IsBackground = true, Name = "Batch job" };
            _threads[i].Start();
        }
    }

    public override int MaximumConcurrencyLevel => _threads.Length;

    /// <summary>Starts <paramref name="work"/> on these threads; its awaits resume on them.</summary>
    public Task Run(Func<Task> work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    protected override void QueueTask(Task task)
    {
        if (!_queue.IsAddingCompleted)
        {
            try
            {
                _queue.Add(task);
                return;
            }
            catch (InvalidOperationException)
            {
                // disposed meanwhile: as below
            }
        }
        // Disposed (the host is stopping): a continuation still on its way, say a timer's, runs on the pool rather than
        // fail whatever completed the task it awaited.
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Scheduler.TryExecuteTask(state.Task), (Scheduler: this, Task: task), preferLocal: false);
    }

    // Inline only on these threads, where the task would run anyway.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        !taskWasPreviouslyQueued && Array.IndexOf(_threads, Thread.CurrentThread) >= 0 && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private void Serve()
    {
        using var keep = ThreadSlices.KeepDefaultForCurrentThread();
        try
        {
            foreach (var task in _queue.GetConsumingEnumerable())
            {
                TryExecuteTask(task);
            }
        }
        catch (ObjectDisposedException)
        {
            // Disposed while waiting: the scheduler is gone with its host.
        }
    }

    /// <summary>Lets the threads end once the queue is empty; tasks queued after it run on the thread pool.</summary>
    public void Dispose() => _queue.CompleteAdding();
}
