using System.Runtime.CompilerServices;

namespace InferenceService.Engine.Accuracy;

/// <summary>What every prediction of one shape shares: the model version that made it and the outputs it kept, in order.</summary>
internal sealed class PredictionLayout(string model, long version, OutputTracker[] outputs)
{
    public string Model { get; } = model;

    public long Version { get; } = version;

    public OutputTracker[] Outputs { get; } = outputs;

    public bool Fits(string model, long version, IReadOnlyList<OutputPrediction> outputs)
    {
        if (Version != version || !string.Equals(Model, model, StringComparison.Ordinal) || Outputs.Length != outputs.Count)
        {
            return false;
        }
        for (var i = 0; i < Outputs.Length; i++)
        {
            if (!ReferenceEquals(Outputs[i], outputs[i].Output))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>
/// The layouts of the predictions a store keeps, one object for all the predictions of a shape rather than one each.
/// Found by the first output's tracker without holding it: once a model version is unloaded and no kept prediction
/// needs its layouts any more, they go with its trackers. Not thread-safe (the store calls it under its lock).
/// </summary>
internal sealed class PredictionLayouts
{
    // A model version keeps one shape almost always; outputs that could not be read make others. Past this many, a
    // prediction gets a layout of its own, so an odd model cannot make the search long.
    private const int MaxShapesPerOutput = 16;

    private readonly ConditionalWeakTable<OutputTracker, List<PredictionLayout>> _byFirstOutput = new();
    private PredictionLayout? _last;

    public PredictionLayout For(string model, long version, IReadOnlyList<OutputPrediction> outputs)
    {
        if (_last is { } last && last.Fits(model, version, outputs))
        {
            return last;
        }
        if (outputs.Count == 0)
        {
            return _last = new PredictionLayout(model, version, []);
        }
        var shapes = _byFirstOutput.GetOrCreateValue(outputs[0].Output);
        foreach (var shape in shapes)
        {
            if (shape.Fits(model, version, outputs))
            {
                return _last = shape;
            }
        }
        var made = new PredictionLayout(model, version, outputs.Select(o => o.Output).ToArray());
        if (shapes.Count < MaxShapesPerOutput)
        {
            shapes.Add(made);
        }
        return _last = made;
    }
}
