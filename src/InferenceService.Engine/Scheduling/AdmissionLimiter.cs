namespace InferenceService.Engine.Scheduling;

/// <summary>
/// The server-wide bound on admitted requests (queued or running, across every model), so that many models each
/// within their own queue bound cannot together exhaust the server.
/// </summary>
public sealed class AdmissionLimiter(int limit)
{
    private int _admitted;

    /// <summary>At most this many at once; 0 or less: no limit.</summary>
    public int Limit { get; } = limit;

    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>Admits one request if the limit allows; a true answer must be matched by one <see cref="Release"/>.</summary>
    public bool TryAdmit()
    {
        if (Interlocked.Increment(ref _admitted) <= Limit || Limit <= 0)
        {
            return true;
        }
        Interlocked.Decrement(ref _admitted);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _admitted);
}
