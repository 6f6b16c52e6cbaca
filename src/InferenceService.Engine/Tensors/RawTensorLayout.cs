namespace InferenceService.Engine.Tensors;

/// <summary>
/// What checking one input's raw bytes against its datatype and shape found, before any buffer is rented: the shape,
/// the element count, and the byte length the elements take (for <c>BYTES</c>, the length prefixes included). The first
/// of <see cref="RawTensorDecoder"/>'s two steps gives it, the second decodes with it.
/// </summary>
/// <param name="Shape">The shape given beside the bytes.</param>
/// <param name="ElementCount">The shape's product.</param>
/// <param name="ByteLength">The bytes the elements take, which the data holds exactly.</param>
#pragma warning disable CA1819 // The shape goes to ONNX Runtime as an array; it is what it is.
public readonly record struct RawTensorLayout(long[] Shape, long ElementCount, int ByteLength);
#pragma warning restore CA1819
