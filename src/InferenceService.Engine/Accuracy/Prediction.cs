namespace InferenceService.Engine.Accuracy;

/// <summary>Identifies a kept prediction: the model version that made it and its prediction id.</summary>
public readonly record struct PredictionKey(string Model, long Version, string Id);

/// <summary>
/// What one output predicted, as far as scoring needs it: a class per row, or the numbers row-major. When the output
/// was too large to keep, neither is held and <see cref="ValueCount"/> says how large it was.
/// </summary>
public sealed class OutputPrediction(OutputTracker output, int rows, long valueCount, long[]? classes, double[]? values)
{
    public OutputTracker Output { get; } = output;

    public int Rows { get; } = rows;

    /// <summary>The output's elements: rows for a classification output, every number for a numeric one.</summary>
    public long ValueCount { get; } = valueCount;

    /// <summary>Numbers per row of a numeric output.</summary>
    public int ValuesPerRow => Rows == 0 ? 0 : (int)(ValueCount / Rows);

    /// <summary>The predicted class of each row (classification outputs).</summary>
    public long[]? Classes { get; } = classes;

    /// <summary>The predicted numbers, row-major (numeric outputs).</summary>
    public double[]? Values { get; } = values;

    /// <summary>Whether the prediction itself was kept, so that targets can be scored against it.</summary>
    public bool IsKept => Classes is not null || Values is not null;
}

/// <summary>One answered inference, kept until its ground truth arrives, it expires or newer predictions push it out.</summary>
public sealed class Prediction(PredictionKey key, DateTimeOffset madeAt, IReadOnlyList<OutputPrediction> outputs)
{
    public PredictionKey Key { get; } = key;

    public DateTimeOffset MadeAt { get; } = madeAt;

    public IReadOnlyList<OutputPrediction> Outputs { get; } = outputs;

    /// <summary>Set once ground truth has been scored against it (under the store's lock), so it is never scored twice.</summary>
    internal bool IsScored { get; set; }

    public OutputPrediction? Find(string output)
    {
        foreach (var candidate in Outputs)
        {
            if (candidate.Output.Name == output)
            {
                return candidate;
            }
        }
        return null;
    }
}
