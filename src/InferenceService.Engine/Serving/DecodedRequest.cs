using InferenceService.Engine.Onnx;
using InferenceService.Engine.Tensors;

namespace InferenceService.Engine.Serving;

/// <summary>
/// A request checked whole against its model and decoded: one pooled tensor per input, in the model's order, the
/// rows along the batch dimension, and the outputs wanted. Owns its tensors: dispose it once the result is written
/// (after the Run's task completed), which returns their buffers to the pool.
/// </summary>
public sealed class DecodedRequest : IDisposable
{
    private readonly InputTensor[] _inputs;
    private int _disposed;

    internal DecodedRequest(LoadedModel model, InputTensor[] inputs, int rows, IReadOnlyList<TensorInfo> outputs, int[] outputIndices)
    {
        Model = model;
        _inputs = inputs;
        Rows = rows;
        Outputs = outputs;
        OutputIndices = outputIndices;
    }

    /// <summary>The model version the request was checked against.</summary>
    public LoadedModel Model { get; }

    /// <summary>Every input of the model, in its order.</summary>
    public IReadOnlyList<InputTensor> Inputs => _inputs;

    /// <summary>Rows along the batch dimension (1 for a model without one).</summary>
    public int Rows { get; }

    /// <summary>The outputs wanted, in the order wanted (the model's when none was named).</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; }

    internal int[] OutputIndices { get; }

    internal InputTensor[] InputArray => _inputs;

    /// <summary>Returns the buffers and lets go of the model version (see <see cref="LoadedModel.TryEnter"/>); once only.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var input in _inputs)
        {
            input?.Dispose();
        }
        Model.Exit();
    }
}
