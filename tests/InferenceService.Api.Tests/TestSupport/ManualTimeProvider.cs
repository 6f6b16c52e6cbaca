namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// A wall clock that moves only when the test says, replacing the service's TimeProvider so prediction ages and time
/// windows are tested without sleeping. Timestamps (stage timings) still come from the real clock.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks = new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
