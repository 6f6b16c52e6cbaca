namespace InferenceService.Engine.Telemetry;

/// <summary>
/// The names the service's telemetry is published under. Everything the service measures goes on one Meter and every
/// span it makes comes from one ActivitySource, both named <see cref="ServiceName"/>: create instruments with
/// <c>IMeterFactory.Create(TelemetryNames.Meter)</c> (not <c>new Meter</c>) so that each host's measurements stay its own.
/// </summary>
public static class TelemetryNames
{
    /// <summary>The service's name in telemetry.</summary>
    public const string ServiceName = "InferenceService";

    /// <summary>The name of the service's Meter.</summary>
    public const string Meter = ServiceName;

    /// <summary>The name of the service's ActivitySource.</summary>
    public const string ActivitySource = ServiceName;

    /// <summary>Tag: the model's name.</summary>
    public const string ModelTag = "model";

    /// <summary>Tag: the model's version (a positive integer, as text).</summary>
    public const string VersionTag = "version";

    /// <summary>Tag: how a request ended (see <see cref="RequestOutcomes"/>).</summary>
    public const string OutcomeTag = "outcome";

    /// <summary>Tag: a model version's lifecycle state (loading, ready, failed, draining, unloaded).</summary>
    public const string StateTag = "state";
}
