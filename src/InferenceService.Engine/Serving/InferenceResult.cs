using InferenceService.OnnxRuntime;

namespace InferenceService.Engine.Serving;

/// <summary>
/// The outputs of one inference, owned by this object until it is disposed (after the response is written).
/// </summary>
public sealed class InferenceResult(LoadedModel model, IReadOnlyList<TensorInfo> outputs, OrtValue[] values, StageTimings timings) : IDisposable
{
    /// <summary>The model version that produced the outputs.</summary>
    public LoadedModel Model { get; } = model;

    /// <summary>The outputs, in the order they were requested (the model's order when none was requested).</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; } = outputs;

    /// <summary>The output values, parallel to <see cref="Outputs"/>.</summary>
    public IReadOnlyList<OrtValue> Values => values;

    /// <summary>Where the request's time went in the engine, and the size of the Run it shared.</summary>
    public StageTimings Timings { get; } = timings;

    public void Dispose()
    {
        foreach (var value in values)
        {
            value.Dispose();
        }
    }
}
