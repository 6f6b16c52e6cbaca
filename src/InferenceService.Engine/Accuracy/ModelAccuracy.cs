using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Accuracy;

/// <summary>The trackers of one model version's scorable outputs, built once from the model's metadata and labels.</summary>
public sealed class ModelAccuracy
{
    private readonly Dictionary<string, OutputTracker> _byName;

    public ModelAccuracy(LoadedModel model, IReadOnlyList<RollingWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model.Name;
        Version = model.Version;
        Outputs = model.Outputs
            .Select(o => new OutputTracker(model.Name, model.Version, o, model.Labels.GetValueOrDefault(o.Name), windows))
            .Where(t => t.Kind != ScoredOutputKind.None)
            .ToArray();
        _byName = Outputs.ToDictionary(o => o.Name, StringComparer.Ordinal);
    }

    public string Model { get; }

    public long Version { get; }

    /// <summary>The outputs that can be scored, in the model's order.</summary>
    public IReadOnlyList<OutputTracker> Outputs { get; }

    public OutputTracker? Find(string output) => _byName.GetValueOrDefault(output);
}
