using InferenceService.Engine.Onnx;
using InferenceService.Engine.Tensors;

namespace InferenceService.Engine.Scheduling;

/// <summary>
/// The outputs of one request: its own rows of the Run it took part in. The output memory stays alive until this is
/// disposed (after the response is written); when several requests shared a Run, the last of them to be disposed
/// releases it.
/// </summary>
public sealed class InferenceResult(ScheduledModel model, IReadOnlyList<TensorInfo> outputs, OutputTensor[] values, StageTimings timings, IDisposable outputMemory) : IDisposable
{
    private IDisposable? _outputMemory = outputMemory;

    /// <summary>The model version that produced the outputs (Serving's <c>LoadedModel</c>; see its <c>LoadedModelOf</c>).</summary>
    public ScheduledModel Model { get; } = model;

    /// <summary>The outputs, in the order they were requested (the model's order when none was requested).</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; } = outputs;

    /// <summary>The output values, parallel to <see cref="Outputs"/>.</summary>
    public IReadOnlyList<OutputTensor> Values => values;

    /// <summary>Where the request's time went in the engine, and the size of the Run it shared.</summary>
    public StageTimings Timings { get; } = timings;

    public void Dispose() => Interlocked.Exchange(ref _outputMemory, null)?.Dispose();
}
