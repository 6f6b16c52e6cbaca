using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// How a job gives the machine back to online traffic while online requests are arriving (one within
/// <see cref="Window"/>); without them the job runs flat out. The scheduler already runs online requests first, but
/// two things still stand in their way. The job's own reading, parsing and writing take cores: the reading pauses
/// after each batch so that it works at most <c>share</c> of the time, and the Runs and the writing follow it. And an
/// online request that comes while a Run of the job's is under way waits for that Run to end: the job's requests then
/// carry at most <c>rowsWhileOnline</c> rows (0: its whole batch size), so that wait is short. Only then, too, do the
/// server's other threads take short time slices (see <see cref="HandOverCores"/>). (The job's loops used to go to the
/// back of the thread pool's queue after each batch as well; they run on threads of their own now: see
/// <see cref="JobThreads"/>.)
/// </summary>
internal sealed class OnlineYield(OnlineActivity online, double share, int rowsWhileOnline = 0, TimeSpan slice = default) : IDisposable
{
    /// <summary>Online traffic counts as present for this long after a request.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    /// <summary>Timers are coarse: the pauses owed are gathered up to this before the job waits.</summary>
    public static readonly TimeSpan MinimumPause = TimeSpan.FromMilliseconds(2);

    private TimeSpan _owed;
    private IDisposable? _slices;

    /// <summary>Whether the short slices are held now.</summary>
    public bool HoldsShortSlices => _slices is not null;

    /// <summary>The rows the job's next request may carry, out of its batch size <paramref name="full"/>.</summary>
    public int RowsPerRequest(int full) =>
        rowsWhileOnline > 0 && rowsWhileOnline < full && online.SeenWithin(Window) ? rowsWhileOnline : full;

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

    /// <summary>
    /// Called by the job's reading loop before each batch: while online requests arrive, holds the short time slice
    /// for the process's threads other than the job's (<see cref="ThreadSlices"/>), so that a thread woken for one of
    /// them gets a core ahead of the job's; once they stop, lets it go. Not while the job runs alone: the extra switches
    /// would cost it throughput for no one's benefit.
    /// </summary>
    public void HandOverCores()
    {
        var wanted = slice > TimeSpan.Zero && online.SeenWithin(Window);
        if (wanted && _slices is null)
        {
            _slices = ThreadSlices.Hold(slice);
        }
        else if (!wanted && _slices is not null)
        {
            Dispose();
        }
    }

    /// <summary>Lets the short slices go, if held (the run is over).</summary>
    public void Dispose()
    {
        _slices?.Dispose();
        _slices = null;
    }
}
