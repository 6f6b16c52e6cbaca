namespace InferenceService.OnnxRuntime;

/// <summary>The kind of value a model input or output holds (<c>ONNXType</c>).</summary>
public enum OnnxValueKind
{
    Unknown = 0,
    Tensor = 1,
    Sequence = 2,
    Map = 3,
    Opaque = 4,
    SparseTensor = 5,
    Optional = 6,
}

/// <summary>
/// A model input or output as the model declares it. <see cref="Shape"/> has -1 for every dimension that is not
/// fixed; <see cref="SymbolicDimensions"/> has the dimension's name there ("batch"), or an empty string.
/// </summary>
public sealed record TensorInfo(
    string Name,
    OnnxValueKind Kind,
    TensorElementType ElementType,
    IReadOnlyList<long> Shape,
    IReadOnlyList<string> SymbolicDimensions)
{
    /// <summary>Whether dimension <paramref name="index"/> accepts any size.</summary>
    public bool IsDynamic(int index) => Shape[index] < 0;
}
