using System.Diagnostics.Metrics;

namespace InferenceService.Engine.Tests.TestSupport;

/// <summary>
/// Creates meters for one test only: a listener filtering on these meter instances hears this test's measurements and
/// not those of tests running beside it on the same meter name.
/// </summary>
public sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public IReadOnlyList<Meter> Meters => _meters;

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose() => _meters.ForEach(m => m.Dispose());
}
