using InferenceService.Engine.Scheduling;

namespace InferenceService.Engine.Serving;

/// <summary>Why a request is refused at the door, before its body is read (each a 503 with Retry-After).</summary>
public enum AdmissionRefusal
{
    /// <summary>Admitted.</summary>
    None,

    /// <summary>The server is stopping and takes no new requests.</summary>
    ShuttingDown,

    /// <summary>The server has its limit of requests in flight, across every model.</summary>
    ServerFull,

    /// <summary>The model version's queue is full, counting the requests admitted and still being decoded.</summary>
    QueueFull,
}

/// <summary>
/// A place in a model version's queue, held from the door (before the body is read) until the request is queued or
/// answered: while its body is read and decoded, the place counts against the queue bound, so the door never lets
/// in more requests than the queue can take and none is decoded only to be refused. Dispose it once the request is
/// queued or failed; disposing twice, or a default ticket, does nothing.
/// </summary>
public struct AdmissionTicket : IDisposable
{
    private ModelDoor? _door;

    internal AdmissionTicket(ModelDoor door) => _door = door;

    /// <summary>Whether the ticket holds a place.</summary>
    public readonly bool Holds => _door is not null;

    public void Dispose()
    {
        _door?.Release();
        _door = null;
    }
}

/// <summary>
/// The door of one model version: how many places of its queue are held by admitted requests not yet queued. Its
/// check reads the scheduler's queue depth without its lock, so it is a bound kept loosely (a request admitted here
/// may still be refused by the scheduler if something else filled the queue meanwhile), never an exception.
/// </summary>
internal sealed class ModelDoor
{
    private int _held;

    public int Held => Volatile.Read(ref _held);

    public bool TryHold(int queued, int maxQueueSize)
    {
        if (Interlocked.Increment(ref _held) + queued <= maxQueueSize)
        {
            return true;
        }
        Interlocked.Decrement(ref _held);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _held);
}

/// <summary>The admission checks made before a request's body is read: no exception, no allocation.</summary>
public static class Admission
{
    /// <summary>The server-wide refusals, which need no model: stopping, or its limit of requests in flight.</summary>
    public static AdmissionRefusal CheckServer(SchedulerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ShuttingDown)
        {
            return AdmissionRefusal.ShuttingDown;
        }
        var limit = context.Admission.Limit;
        return limit > 0 && context.Admission.Admitted >= limit ? AdmissionRefusal.ServerFull : AdmissionRefusal.None;
    }

    /// <summary>
    /// Admits a request to <paramref name="model"/> at the door: the server-wide checks, then a place in the model's
    /// queue, held by <paramref name="ticket"/> until the request is queued.
    /// </summary>
    public static AdmissionRefusal TryAdmit(LoadedModel model, out AdmissionTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(model);
        ticket = default;
        var scheduler = model.Scheduler;
        var refusal = CheckServer(scheduler.Context);
        if (refusal != AdmissionRefusal.None)
        {
            return refusal;
        }
        if (!model.Door.TryHold(scheduler.QueueDepth, scheduler.Policy.MaxQueueSize))
        {
            scheduler.Statistics.RecordFailure(TimeSpan.Zero);
            return AdmissionRefusal.QueueFull;
        }
        ticket = new AdmissionTicket(model.Door);
        return AdmissionRefusal.None;
    }

    /// <summary>
    /// The client's message for a refusal (the same words the scheduler uses when it refuses at its own check). Made
    /// on demand: callers that refuse often keep the answer they build from it.
    /// </summary>
    public static InferenceException Error(AdmissionRefusal refusal, SchedulerContext context, LoadedModel? model)
    {
        ArgumentNullException.ThrowIfNull(context);
        return refusal switch
        {
            AdmissionRefusal.ShuttingDown => SchedulerContext.ShuttingDownError(),
            AdmissionRefusal.ServerFull => context.ServerFullError(),
            AdmissionRefusal.QueueFull when model is not null => model.Scheduler.QueueFull(),
            _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "Not a refusal (or a queue refusal without its model)."),
        };
    }
}
