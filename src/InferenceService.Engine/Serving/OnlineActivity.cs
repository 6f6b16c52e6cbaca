namespace InferenceService.Engine.Serving;

/// <summary>
/// When an online request last reached a scheduler, on any model: batch jobs read it to give the cores back to
/// real-time traffic while there is some (see <c>Jobs:CpuShareWhileOnline</c>). One timestamp, written per request.
/// </summary>
public sealed class OnlineActivity(TimeProvider time)
{
    private long _last = long.MinValue;

    /// <summary>Notes an online request now.</summary>
    public void Record() => Volatile.Write(ref _last, time.GetTimestamp());

    /// <summary>Whether an online request arrived within <paramref name="window"/> of now.</summary>
    public bool SeenWithin(TimeSpan window)
    {
        var last = Volatile.Read(ref _last);
        return last != long.MinValue && time.GetElapsedTime(last) <= window;
    }
}
