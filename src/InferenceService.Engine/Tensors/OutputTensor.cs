using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// One output as a caller sees it: a whole ONNX Runtime tensor, or a run of rows of a batch's output tensor (the rows
/// of one request in a batch of several). Reads the batch's memory in place, so splitting a batch copies nothing.
/// Valid while the tensor it views is alive: an <see cref="Serving.InferenceResult"/> keeps it so until disposed.
/// </summary>
public sealed class OutputTensor
{
    private readonly OrtValue _value;
    private readonly long[] _shape;
    private readonly int _firstElement;
    private readonly int _elementCount;
    private readonly Lazy<string[]>? _strings;

    private OutputTensor(OrtValue value, TensorElementType elementType, long[] shape, long firstElement, long elementCount, Lazy<string[]>? strings)
    {
        _value = value;
        ElementType = elementType;
        _shape = shape;
        _firstElement = checked((int)firstElement);
        _elementCount = checked((int)elementCount);
        _strings = strings;
    }

    public TensorElementType ElementType { get; }

    /// <summary>The dimensions; the first is the caller's row count when this is a part of a batch.</summary>
    public IReadOnlyList<long> Shape => _shape;

    public long ElementCount => _elementCount;

    /// <summary>A view of the whole of <paramref name="value"/>.</summary>
    public static OutputTensor Whole(OrtValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var info = value.GetTensorTypeAndShape();
        return new OutputTensor(value, info.ElementDataType, info.Shape, 0, info.ElementCount, StringsOf(value, info.ElementDataType));
    }

    /// <summary>
    /// Views of consecutive row ranges of <paramref name="value"/>, one per entry of <paramref name="rows"/>, which must
    /// add up to its first dimension. Strings are decoded once for all of them, on first read.
    /// </summary>
    public static OutputTensor[] SplitRows(OrtValue value, ReadOnlySpan<int> rows)
    {
        ArgumentNullException.ThrowIfNull(value);
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        if (shape.Length == 0)
        {
            throw new ArgumentException("A scalar has no rows to split.", nameof(value));
        }
        var rowLength = shape[0] == 0 ? 0 : info.ElementCount / shape[0];
        var strings = StringsOf(value, info.ElementDataType);
        var views = new OutputTensor[rows.Length];
        long firstRow = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            long[] viewShape = [.. shape];
            viewShape[0] = rows[i];
            views[i] = new OutputTensor(value, info.ElementDataType, viewShape, firstRow * rowLength, rows[i] * rowLength, strings);
            firstRow += rows[i];
        }
        if (firstRow != shape[0])
        {
            throw new ArgumentException($"The rows add up to {firstRow}, but the tensor has {shape[0]}.", nameof(rows));
        }
        return views;
    }

    /// <summary>The elements, read in place; <typeparamref name="T"/> must be the element type's .NET type.</summary>
    public ReadOnlySpan<T> GetTensorData<T>() where T : unmanaged =>
        _value.GetData<T>(ElementType).Slice(_firstElement, _elementCount);

    /// <summary>
    /// The elements of a fixed-size type as the bytes ONNX Runtime holds them (little-endian, row-major), read in
    /// place: what the raw encodings send without converting anything.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor holds strings, which have no fixed-size bytes.</exception>
    public ReadOnlySpan<byte> GetRawBytes()
    {
        var size = TensorElementTypes.SizeOf(ElementType);
        if (size == 0)
        {
            throw new InvalidOperationException($"The tensor holds {ElementType} elements, which have no fixed size.");
        }
        return _value.GetTensorMutableRawData().Slice(_firstElement * size, _elementCount * size);
    }

    /// <summary>The elements of a string tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor does not hold strings.</exception>
    public ReadOnlySpan<string> GetStrings() =>
        _strings is null
            ? throw new InvalidOperationException($"The tensor holds {ElementType} elements, not strings.")
            : _strings.Value.AsSpan(_firstElement, _elementCount);

    private static Lazy<string[]>? StringsOf(OrtValue value, TensorElementType elementType) =>
        elementType == TensorElementType.String ? new Lazy<string[]>(value.GetStringTensorAsArray) : null;
}
