using System.Runtime.InteropServices;
using System.Text.Json;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// Decodes request inputs from parsed JSON straight into <see cref="InputTensor"/>s: one walk to check the structure
/// and count, one buffer rented at its exact size, one read per element into it. Nothing is allocated per element
/// (except the strings of a <c>BYTES</c> tensor, which are the data).
/// <para>Element rules, for both entry points:</para>
/// <list type="bullet">
/// <item>Integer types take JSON numbers that are exactly integers inside the type's range. A number written with a
/// fraction or exponent is accepted when its value is integral (<c>3.0</c>, <c>1e3</c>, <c>-0.0</c>) and refused
/// otherwise (<c>2.5</c>); integers are read from their digits, never through a double, so UINT64 and INT64 are exact
/// to the last digit.</item>
/// <item>Floating-point types (FP16, BF16, FP32, FP64) take any JSON number that fits the type, rounded to nearest
/// (ties to even) in one step, and the strings <c>"NaN"</c>, <c>"Infinity"</c> and <c>"-Infinity"</c>. A finite
/// number that would round to infinity (70000 for FP16) is refused rather than silently made infinite.</item>
/// <item>BOOL takes JSON <c>true</c> and <c>false</c> only; BYTES takes JSON strings only, without the NUL character
/// (ONNX Runtime receives string elements NUL-terminated and would cut them short).</item>
/// </list>
/// Every client mistake throws <see cref="InferenceException"/> (<see cref="InferenceErrorKind.InvalidInput"/>) with a
/// message that names the input and, for a bad element, its position as written (<c>[1][2]</c>).
/// </summary>
public static class JsonTensorDecoder
{
    /// <summary>The deepest nesting decoded; deeper input is refused. (JSON documents parse to depth 64 by default.)</summary>
    public const int MaxRank = 64;

    /// <summary>
    /// Decodes an input of the simple API, whose shape is its nesting: a scalar has shape [], <c>[]</c> has [0],
    /// <c>[[1, 2], [3, 4]]</c> has [2, 2] and <c>[[], []]</c> has [2, 0]. Every array at one level must have the same
    /// length (a ragged array is refused, naming the row) and every level must hold only arrays or only scalars.
    /// </summary>
    /// <param name="name">The input's name, used in messages.</param>
    /// <param name="value">The input's JSON value.</param>
    /// <param name="type">The element type to decode to (usually the model's declared input type).</param>
    /// <exception cref="InferenceException">The value is not a valid tensor of <paramref name="type"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not a type the server can decode.</exception>
    public static InputTensor DecodeNested(string name, JsonElement value, TensorElementType type)
    {
        ArgumentNullException.ThrowIfNull(name);
        RequireSupported(type);
        return Decode(name, value, type, MeasureNested(name, value));
    }

    /// <summary>
    /// Decodes an input of the Open Inference Protocol, whose shape is given beside its data. The data may be flat or
    /// nested; nested data is read in row-major order (as the protocol allows) and need not repeat the shape's
    /// structure, but all its scalars must sit at one depth. The shape's dimensions must be non-negative, their
    /// product (checked for overflow before anything is allocated) must equal the number of values given.
    /// </summary>
    /// <param name="name">The input's name, used in messages.</param>
    /// <param name="data">The input's <c>data</c> value.</param>
    /// <param name="type">The element type to decode to (the request's datatype).</param>
    /// <param name="shape">The input's <c>shape</c>.</param>
    /// <exception cref="InferenceException">The data or shape is not a valid tensor of <paramref name="type"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not a type the server can decode.</exception>
    public static InputTensor DecodeWithShape(string name, JsonElement data, TensorElementType type, ReadOnlySpan<long> shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        RequireSupported(type);
        return Decode(name, data, type, MeasureWithShape(name, data, shape.ToArray()));
    }

    /// <summary>
    /// The first of decoding's two steps for the simple API: the shape (the nesting) and element count of
    /// <paramref name="value"/>, checked for raggedness and mixed nesting, without reading a value or allocating more
    /// than the shape. <see cref="Decode(string, JsonElement, TensorElementType, in JsonTensorLayout)"/> is the second.
    /// </summary>
    /// <exception cref="InferenceException">The nesting is not a tensor's.</exception>
    public static JsonTensorLayout MeasureNested(string name, JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<long> dims = stackalloc long[MaxRank];
        var depth = JsonNesting.MeasureFirstRow(name, value, dims);
        var shape = dims[..depth];
        var count = JsonNesting.CountScalars(name, value, shape, rectangular: true);
        return new JsonTensorLayout(depth, shape.ToArray(), count);
    }

    /// <summary>
    /// The first of decoding's two steps for the Open Inference Protocol: checks <paramref name="shape"/> (no negative
    /// dimension, a product that fits) and that <paramref name="data"/> holds exactly that many scalars, all at one
    /// depth, without reading a value. The layout keeps <paramref name="shape"/> (not copied).
    /// </summary>
    /// <exception cref="InferenceException">The shape is invalid or the data does not hold as many elements.</exception>
    public static JsonTensorLayout MeasureWithShape(string name, JsonElement data, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        var expected = TensorShapes.ElementCount(name, shape);
        Span<long> dims = stackalloc long[MaxRank];
        var depth = JsonNesting.MeasureFirstRow(name, data, dims);
        var given = JsonNesting.CountScalars(name, data, dims[..depth], rectangular: false);
        if (given != expected)
        {
            throw DecodeErrors.CountMismatch(name, shape, expected, given);
        }
        return new JsonTensorLayout(depth, shape, expected);
    }

    /// <summary>
    /// <see cref="MeasureNested(string, JsonElement)"/> for a value lifted out of the body as the text of a rectangular
    /// nest of numbers, already measured: its nesting is the shape.
    /// </summary>
    public static JsonTensorLayout MeasureNested(string name, in JsonNumberArray value)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new JsonTensorLayout(value.Shape.Length, value.Shape, value.Count);
    }

    /// <summary>
    /// <see cref="MeasureWithShape(string, JsonElement, long[])"/> for data lifted out of the body as the text of an
    /// array of numbers: the same checks, the same layout, the same errors.
    /// </summary>
    /// <exception cref="InferenceException">The shape is invalid or the data does not hold as many elements.</exception>
    public static JsonTensorLayout MeasureWithShape(string name, in JsonNumberArray data, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        var expected = TensorShapes.ElementCount(name, shape);
        if (data.Count != expected)
        {
            throw DecodeErrors.CountMismatch(name, shape, expected, data.Count);
        }
        return new JsonTensorLayout(data.Shape.Length, shape, expected);
    }

    /// <summary>
    /// The second step for data lifted out of the body: FP32 and FP64 are read from the text straight into the
    /// buffer; any other type, or a number that does not fit, takes the document path over the same text, so the
    /// tensor or the error is the one <see cref="Decode(string, JsonElement, TensorElementType, in JsonTensorLayout)"/> gives.
    /// </summary>
    /// <exception cref="InferenceException">An element is not a value of <paramref name="type"/>.</exception>
    public static InputTensor Decode(string name, in JsonNumberArray data, TensorElementType type, in JsonTensorLayout layout)
    {
        ArgumentNullException.ThrowIfNull(name);
        RequireSupported(type);
        if (type is TensorElementType.Float or TensorElementType.Double && data.Count == layout.ElementCount)
        {
            var tensor = InputTensor.Rent(name, type, layout.Shape);
            var bytes = tensor.Data.Span;
            if (type == TensorElementType.Float ? data.TryFill(MemoryMarshal.Cast<byte, float>(bytes)) : data.TryFill(MemoryMarshal.Cast<byte, double>(bytes)))
            {
                return tensor;
            }
            tensor.Dispose();
        }
        using var document = data.Parse();
        return Decode(name, document.RootElement, type, layout);
    }

    /// <summary>
    /// The second step: rents one pooled buffer of the layout's exact size (a string array for BYTES) and reads every
    /// element of <paramref name="data"/> into it, in row-major order. Nothing is allocated per element but the
    /// strings of a BYTES tensor.
    /// </summary>
    /// <exception cref="InferenceException">An element is not a value of <paramref name="type"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not a type the server can decode.</exception>
    public static InputTensor Decode(string name, JsonElement data, TensorElementType type, in JsonTensorLayout layout)
    {
        ArgumentNullException.ThrowIfNull(name);
        RequireSupported(type);
        return Decode(name, data, type, layout.Depth, layout.Shape, layout.ElementCount);
    }

    /// <summary>Whether the decoder can read elements of <paramref name="type"/> from JSON.</summary>
    public static bool CanDecode(TensorElementType type) => TensorElementTypes.IsSupported(type);

    private static void RequireSupported(TensorElementType type)
    {
        if (!TensorElementTypes.IsSupported(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "The element type cannot be decoded from JSON.");
        }
    }

    private static InputTensor Decode(string name, JsonElement root, TensorElementType type, int depth, long[] shape, long count)
    {
        if (type == TensorElementType.String)
        {
            // The count is of scalars present in the document, so it fits in an int.
            var strings = count == 0 ? [] : new string[count];
            JsonNesting.Fill<string, StringReader>(name, root, depth, type, strings);
            return InputTensor.FromStrings(name, strings, shape);
        }
        var tensor = InputTensor.Rent(name, type, shape);
        try
        {
            if (count > 0)
            {
                Fill(name, root, depth, type, tensor.Data.Span);
            }
            return tensor;
        }
        catch
        {
            // Nothing else has seen the buffer yet: give it back before the error goes up.
            tensor.Dispose();
            throw;
        }
    }

    private static void Fill(string name, JsonElement root, int depth, TensorElementType type, Span<byte> bytes)
    {
        switch (type)
        {
            case TensorElementType.Float:
                JsonNesting.Fill<float, SingleReader>(name, root, depth, type, MemoryMarshal.Cast<byte, float>(bytes));
                break;
            case TensorElementType.Double:
                JsonNesting.Fill<double, DoubleReader>(name, root, depth, type, MemoryMarshal.Cast<byte, double>(bytes));
                break;
            case TensorElementType.Float16:
                JsonNesting.Fill<Half, HalfReader>(name, root, depth, type, MemoryMarshal.Cast<byte, Half>(bytes));
                break;
            case TensorElementType.BFloat16:
                JsonNesting.Fill<BFloat16, BFloat16Reader>(name, root, depth, type, MemoryMarshal.Cast<byte, BFloat16>(bytes));
                break;
            case TensorElementType.Int8:
                JsonNesting.Fill<sbyte, SByteReader>(name, root, depth, type, MemoryMarshal.Cast<byte, sbyte>(bytes));
                break;
            case TensorElementType.Int16:
                JsonNesting.Fill<short, Int16Reader>(name, root, depth, type, MemoryMarshal.Cast<byte, short>(bytes));
                break;
            case TensorElementType.Int32:
                JsonNesting.Fill<int, Int32Reader>(name, root, depth, type, MemoryMarshal.Cast<byte, int>(bytes));
                break;
            case TensorElementType.Int64:
                JsonNesting.Fill<long, Int64Reader>(name, root, depth, type, MemoryMarshal.Cast<byte, long>(bytes));
                break;
            case TensorElementType.UInt8:
                JsonNesting.Fill<byte, ByteReader>(name, root, depth, type, bytes);
                break;
            case TensorElementType.UInt16:
                JsonNesting.Fill<ushort, UInt16Reader>(name, root, depth, type, MemoryMarshal.Cast<byte, ushort>(bytes));
                break;
            case TensorElementType.UInt32:
                JsonNesting.Fill<uint, UInt32Reader>(name, root, depth, type, MemoryMarshal.Cast<byte, uint>(bytes));
                break;
            case TensorElementType.UInt64:
                JsonNesting.Fill<ulong, UInt64Reader>(name, root, depth, type, MemoryMarshal.Cast<byte, ulong>(bytes));
                break;
            case TensorElementType.Bool:
                JsonNesting.Fill<bool, BooleanReader>(name, root, depth, type, MemoryMarshal.Cast<byte, bool>(bytes));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "The element type cannot be decoded from JSON.");
        }
    }
}
