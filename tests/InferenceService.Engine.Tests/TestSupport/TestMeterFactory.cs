using System.Diagnostics.Metrics;

namespace InferenceService.Engine.Tests.TestSupport;

/// <summary>
/// Creates meters for one test only: a listener filtering on these meter instances hears this test's measurements and
/// not those of tests running beside it on the same meter name.
/// </summary>
public sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public IReadOnlyList<Meter> Meters
    {
        get
        {
            lock (_meters)
            {
                return [.. _meters];
            }
        }
    }

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        lock (_meters)
        {
            _meters.Add(meter);
        }
        return meter;
    }

    public void Dispose() => Meters.ToList().ForEach(m => m.Dispose());
}
