using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// How a job gives the cores back to online traffic: while online requests are arriving (one within
/// <see cref="Window"/>), the job's reading pauses after each batch so that it works at most
/// <c>share</c> of the time; the Runs and the writing of its rows follow the reading, so the whole job slows
/// with it. Without online traffic the job runs flat out. The scheduler already runs online requests first; this keeps
/// the job's own reading, parsing and writing from taking the cores an online request needs when it comes.
/// </summary>
internal sealed class OnlineYield(OnlineActivity online, double share)
{
    /// <summary>Online traffic counts as present for this long after a request.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    /// <summary>Timers are coarse: the pauses owed are gathered up to this before the job waits.</summary>
    public static readonly TimeSpan MinimumPause = TimeSpan.FromMilliseconds(2);

    private TimeSpan _owed;

    /// <summary>After <paramref name="worked"/> of the job's reading: how long it should now pause (zero: go on).</summary>
    public TimeSpan PauseAfter(TimeSpan worked)
    {
        if (share >= 1 || !online.SeenWithin(Window))
        {
            _owed = TimeSpan.Zero;
            return TimeSpan.Zero;
        }
        _owed += worked * ((1 - share) / share);
        if (_owed < MinimumPause)
        {
            return TimeSpan.Zero;
        }
        var pause = _owed;
        _owed = TimeSpan.Zero;
        return pause;
    }
}
