using System.Globalization;
using InferenceService.Engine.Jobs;

namespace InferenceService.Engine.Tests.Jobs;

/// <summary>
/// The short slice while a job runs, read back from the kernel's own account of each thread
/// (<c>/proc/self/task/TID/sched</c>, its <c>se.slice</c> in nanoseconds). Custom slices came with Linux 6.12: on other
/// systems and older kernels the holds must change nothing, which is what these tests then check.
/// </summary>
public sealed class ThreadSlicesTests
{
    private const long Short = 100_000;

    [Fact]
    public void Hold_WhileHeld_EveryThreadButTheJobsHasTheShortSliceAndAfterwardsTheDefault()
    {
        using var before = ParkedThread.Start(keepDefault: false);
        using var jobThread = ParkedThread.Start(keepDefault: true);
        var initial = SliceOf(before.Id);

        long? test, old, job, inherited;
        ParkedThread during;
        using (ThreadSlices.Hold(TimeSpan.FromMicroseconds(100)))
        {
            during = ParkedThread.Start(keepDefault: false); // inherits its creator's slice
            (test, old, job, inherited) = (SliceOf(CurrentThread()), SliceOf(before.Id), SliceOf(jobThread.Id), SliceOf(during.Id));
        }
        using (during)
        {
            var expected = SupportsCustomSlices ? Short : initial;
            Assert.Equal((expected, expected, initial, expected), (test, old, job, inherited));
            Assert.Equal(initial, SliceOf(before.Id)); // the default is back
            Assert.Equal(initial, SliceOf(during.Id));
            Assert.Equal(initial, SliceOf(jobThread.Id));
        }
    }

    [Fact]
    public void Hold_Nested_TheDefaultComesBackWithTheLastRelease()
    {
        using var thread = ParkedThread.Start(keepDefault: false);
        var initial = SliceOf(thread.Id);
        var first = ThreadSlices.Hold(TimeSpan.FromMicroseconds(100));
        var second = ThreadSlices.Hold(TimeSpan.FromMicroseconds(100));

        first.Dispose();
        first.Dispose(); // a second dispose releases nothing more
        var whileSecond = SliceOf(thread.Id);
        second.Dispose();

        Assert.Equal(SupportsCustomSlices ? Short : initial, whileSecond);
        Assert.Equal(initial, SliceOf(thread.Id));
    }

    [Fact]
    public void Hold_ShorterThanTheKernelTakes_TheShortestItTakes()
    {
        using var thread = ParkedThread.Start(keepDefault: false);
        var initial = SliceOf(thread.Id);

        long? held;
        using (ThreadSlices.Hold(TimeSpan.FromMicroseconds(10)))
        {
            held = SliceOf(thread.Id);
        }

        Assert.Equal(SupportsCustomSlices ? Short : initial, held);
    }

    [Fact]
    public void Hold_Zero_ChangesNothing()
    {
        using var thread = ParkedThread.Start(keepDefault: false);
        var initial = SliceOf(thread.Id);

        using (ThreadSlices.Hold(TimeSpan.Zero))
        {
            Assert.Equal(initial, SliceOf(thread.Id));
        }
    }

    /// <summary>Linux 6.12 or later, with the scheduler's per-thread account readable.</summary>
    private static bool SupportsCustomSlices =>
        OperatingSystem.IsLinux() && ThreadSlices.IsSupported && File.Exists("/proc/self/sched")
        && Version.TryParse(string.Join('.', File.ReadAllText("/proc/sys/kernel/osrelease").Split('.', '-').Take(2)), out var kernel)
        && kernel >= new Version(6, 12);

    private static int CurrentThread() => int.Parse(Path.GetFileName(new DirectoryInfo("/proc/thread-self").LinkTarget!), CultureInfo.InvariantCulture);

    /// <summary>The thread's slice in nanoseconds; null where the kernel does not show it.</summary>
    private static long? SliceOf(int thread)
    {
        var path = $"/proc/self/task/{thread}/sched";
        if (!OperatingSystem.IsLinux() || !File.Exists(path))
        {
            return null;
        }
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("se.slice", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>A thread that waits until disposed, so that its slice can be read while it lives.</summary>
    private sealed class ParkedThread : IDisposable
    {
        private readonly ManualResetEventSlim _release = new();
        private readonly Thread _thread;

        private ParkedThread(bool keepDefault)
        {
            using var started = new ManualResetEventSlim();
            _thread = new Thread(() =>
            {
                using var kept = keepDefault ? ThreadSlices.KeepDefaultForCurrentThread() : null;
                Id = OperatingSystem.IsLinux() ? CurrentThread() : 0;
                started.Set();
                _release.Wait();
            })
            { IsBackground = true };
            _thread.Start();
            started.Wait();
        }

        public int Id { get; private set; }

        public static ParkedThread Start(bool keepDefault) => new(keepDefault);

        public void Dispose()
        {
            _release.Set();
            _thread.Join();
            _release.Dispose();
        }
    }
}
