namespace InferenceService.Engine.Tensors;

/// <summary>
/// What measuring one input's JSON data found, before any element is read or any buffer rented: how deep its arrays
/// nest, its shape and its element count. The first of <see cref="JsonTensorDecoder"/>'s two steps gives it, the
/// second decodes with it, so a request can be checked whole against the model in between.
/// </summary>
/// <param name="Depth">How deep the scalars sit (0 for a scalar).</param>
/// <param name="Shape">The tensor's shape: the nesting's (simple API) or the one given beside the data (Open Inference Protocol).</param>
/// <param name="ElementCount">The number of elements, the shape's product.</param>
#pragma warning disable CA1819 // The shape goes to ONNX Runtime as an array; it is what it is.
public readonly record struct JsonTensorLayout(int Depth, long[] Shape, long ElementCount);
#pragma warning restore CA1819
