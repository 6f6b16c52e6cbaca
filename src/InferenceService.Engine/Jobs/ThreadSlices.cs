using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// While a batch job runs and online requests arrive (<see cref="OnlineYield.HandOverCores"/>), the process's threads,
/// all but the job's own (<see cref="JobThreads"/>), ask Linux's scheduler (EEVDF, 6.12 and later) for a short time
/// slice. A job keeps every core busy. A thread that wakes for an online request (the socket engine's, a pool worker,
/// a model's instance thread) gets a core before a running thread has used its slice only when its own virtual
/// deadline is earlier, and a deadline is the thread's slice ahead of it: with the default slice for every thread
/// (1.4 ms on two cores) that wait behind the job's threads was most of the online tail under a job. With a short
/// slice the woken thread's deadline comes first, so it waits about that slice at most. Nothing else changes: weights
/// (nice values) and policies stay as they were, and the job's threads keep the kernel's default, so they neither
/// switch more nor overtake other processes' threads. Otherwise the default is back: short slices cost a job alone its
/// throughput (the instance thread preempts its threads at every wake-up) and a saturated online server a few percent
/// of its own. New threads inherit their creator's slice; the job's threads set theirs back when they start.
/// <para>
/// Process-wide, so the holds are counted: the first sets the short slice, the last one released puts the default
/// back. Best effort: on other systems, other architectures and older kernels (which ignore the field) nothing
/// happens; a thread that ends meanwhile is skipped.
/// </para>
/// </summary>
public static class ThreadSlices
{
    /// <summary>The shortest slice the kernel accepts (it clamps to 0.1 ms to 100 ms).</summary>
    public static readonly TimeSpan Shortest = TimeSpan.FromMilliseconds(0.1);

    private const uint PolicyNormal = 0; // SCHED_OTHER
    private const uint PolicyBatch = 3; // SCHED_BATCH
    private const ulong ResetOnFork = 0x01; // SCHED_FLAG_RESET_ON_FORK, the one flag kept as it was
    private const uint AttrSizeVersion0 = 48; // policy, flags, nice, priority, runtime, deadline, period

    private static readonly Lock s_gate = new();
    private static readonly ConcurrentDictionary<int, bool> s_keepDefault = new();
    private static int s_holds;

    /// <summary>
    /// Holds the short slice for the process's threads until the returned handle is disposed; with
    /// <paramref name="slice"/> zero (the setting off) it does nothing.
    /// </summary>
    public static IDisposable Hold(TimeSpan slice)
    {
        if (slice <= TimeSpan.Zero || !IsSupported)
        {
            return NoHold.Instance;
        }
        lock (s_gate)
        {
            if (s_holds++ == 0)
            {
                SetAll(Nanoseconds(slice < Shortest ? Shortest : slice));
            }
        }
        return new Held();
    }

    /// <summary>
    /// Keeps the calling thread on the kernel's default slice, now and through every later hold, until the returned
    /// handle is disposed (on the same thread, before it ends: thread ids are reused): for the threads of the work the
    /// short slices are to make room against.
    /// </summary>
    public static IDisposable KeepDefaultForCurrentThread()
    {
        if (!IsSupported || CurrentThreadId() is not { } thread)
        {
            return NoHold.Instance;
        }
        lock (s_gate)
        {
            s_keepDefault[thread] = true;
            TrySet(thread, 0);
        }
        return new Kept(thread);
    }

    /// <summary>Linux on x64 or Arm64, whose system call numbers are known here.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Calls is not null;

    /// <summary>Sets every thread's slice but the kept ones'; 0 puts the kernel's default back.</summary>
    private static void SetAll(ulong nanoseconds)
    {
        string[] threads;
        try
        {
            threads = Directory.GetDirectories("/proc/self/task");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var folder in threads)
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var thread) && !s_keepDefault.ContainsKey(thread))
            {
                TrySet(thread, nanoseconds);
            }
        }
    }

    /// <summary>The calling thread's id in the kernel (what <c>/proc/thread-self</c> leads to: <c>pid/task/tid</c>).</summary>
    private static int? CurrentThreadId() =>
        new DirectoryInfo("/proc/thread-self").LinkTarget is { } target
        && int.TryParse(Path.GetFileName(target), NumberStyles.None, CultureInfo.InvariantCulture, out var thread) ? thread : null;

    private static void TrySet(int thread, ulong nanoseconds)
    {
        var (get, set) = Calls!.Value;
        var attr = default(SchedAttr);
        if (SchedGetAttr(get, thread, ref attr, Marshal.SizeOf<SchedAttr>(), 0) != 0)
        {
            return; // ended meanwhile
        }
        if (attr.Policy is not (PolicyNormal or PolicyBatch))
        {
            return; // real-time or idle threads are someone else's choice
        }
        attr.Size = AttrSizeVersion0;
        attr.Flags &= ResetOnFork;
        attr.Runtime = nanoseconds;
        _ = SchedSetAttr(set, thread, ref attr, 0);
    }

    private static ulong Nanoseconds(TimeSpan span) => (ulong)(span.Ticks * (1_000_000_000 / TimeSpan.TicksPerSecond));

    private static (long Get, long Set)? Calls => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => (315, 314),
        Architecture.Arm64 => (275, 274),
        _ => null,
    };

    private static void Release()
    {
        lock (s_gate)
        {
            if (--s_holds == 0)
            {
                SetAll(0);
            }
        }
    }

    private sealed class Held : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Release();
            }
        }
    }

    private sealed class Kept(int thread) : IDisposable
    {
        public void Dispose() => s_keepDefault.TryRemove(thread, out _);
    }

    private sealed class NoHold : IDisposable
    {
        public static readonly NoHold Instance = new();

        public void Dispose()
        {
        }
    }

    /// <summary>The kernel's <c>struct sched_attr</c> (its first version, plus the two utilization clamps it reports).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SchedAttr
    {
        public uint Size;
        public uint Policy;
        public ulong Flags;
        public int Nice;
        public uint Priority;
        public ulong Runtime;
        public ulong Deadline;
        public ulong Period;
        public uint UtilMin;
        public uint UtilMax;
    }

    // libc's syscall(2): the C library has no wrapper for these two; every argument a long, as the kernel takes them.
    // DllImport of a blittable struct by reference: no generated marshalling nor unsafe code.
    [DllImport("libc", EntryPoint = "syscall", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long SchedGetAttr(long number, long thread, ref SchedAttr attr, long size, long flags);

    [DllImport("libc", EntryPoint = "syscall", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long SchedSetAttr(long number, long thread, ref SchedAttr attr, long flags);
}
