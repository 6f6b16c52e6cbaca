using System.Globalization;

namespace InferenceService.Engine.Scheduling;

/// <summary>
/// What a scheduler knows of the model version it serves: its name and version (for messages, statistics and
/// telemetry) and the order its inputs are handed to a Run. The served model (Serving's <c>LoadedModel</c>) is one;
/// the scheduler never needs more of it, so Scheduling does not depend on Serving.
/// </summary>
public abstract class ScheduledModel
{
    protected ScheduledModel(string name, long version, int inputCount)
    {
        Name = name;
        Version = version;
        VersionText = version.ToString(CultureInfo.InvariantCulture);
        InputPositions = [.. Enumerable.Range(0, inputCount)];
    }

    public string Name { get; }

    public long Version { get; }

    /// <summary>The version as the protocol writes it ("2"), made once rather than per answer.</summary>
    public string VersionText { get; }

    /// <summary>0, 1, … for each input: requests hand their inputs over in the model's order.</summary>
    internal int[] InputPositions { get; }
}
