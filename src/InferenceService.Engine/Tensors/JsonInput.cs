using System.Text.Json;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// One input of a request as the request states it, before anything is decoded: a view into the request's parsed
/// JSON body, or into its raw bytes. The simple API gives only the name and the nested value (the nesting is the
/// shape, the model gives the element type); the Open Inference Protocol also gives the datatype and the shape, and
/// may send the elements as raw bytes (the binary tensor data extension, gRPC's <c>raw_input_contents</c>).
/// </summary>
public readonly struct JsonInput
{
    private JsonInput(string name, JsonElement data, TensorElementType? elementType, long[]? shape, ReadOnlyMemory<byte> rawData = default, bool isRaw = false, JsonNumberArray? numberArray = null)
    {
        Name = name;
        Data = data;
        ElementType = elementType;
        Shape = shape;
        RawData = rawData;
        IsRaw = isRaw;
        NumberArray = numberArray;
    }

    /// <summary>The input's name as the request gives it (the model's own string when the model has it).</summary>
    public string Name { get; }

    /// <summary>The values: nested arrays, flat data, or a scalar (unset when <see cref="NumberArray"/> holds them).</summary>
    public JsonElement Data { get; }

    /// <summary>The values as the text of an array of numbers, when the request reader lifted them out of the body.</summary>
    public JsonNumberArray? NumberArray { get; }

    /// <summary>The element type the request states; null: the model's.</summary>
    public TensorElementType? ElementType { get; }

    /// <summary>The shape the request states; null: the nesting of <see cref="Data"/>.</summary>
#pragma warning disable CA1819 // The shape becomes the tensor's, as an array.
    public long[]? Shape { get; }
#pragma warning restore CA1819

    /// <summary>
    /// The elements as raw bytes (<see cref="RawTensorDecoder"/>'s layout) when <see cref="IsRaw"/>: a view into the
    /// request's memory, which must outlive the decoded tensors (they may borrow it).
    /// </summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>Whether the elements are <see cref="RawData"/> rather than JSON <see cref="Data"/>.</summary>
    public bool IsRaw { get; }

    /// <summary>A simple-API input: the nesting gives the shape, the model the element type.</summary>
    public static JsonInput Nested(string name, JsonElement value) => new(name, value, null, null);

    /// <summary>An Open Inference Protocol input: datatype and shape beside flat or nested data.</summary>
    public static JsonInput WithShape(string name, TensorElementType elementType, long[] shape, JsonElement data) =>
        new(name, data, elementType, shape);

    /// <summary>A simple-API input whose value is a rectangular nest of numbers, read from its text (the nesting is the shape).</summary>
    public static JsonInput Nested(string name, JsonNumberArray value) => new(name, default, null, null, numberArray: value);

    /// <summary>An Open Inference Protocol input whose data is a flat array of numbers, read from its text.</summary>
    public static JsonInput WithShape(string name, TensorElementType elementType, long[] shape, JsonNumberArray data) =>
        new(name, default, elementType, shape, numberArray: data);

    /// <summary>An input whose elements arrive as raw bytes, with its datatype and shape.</summary>
    public static JsonInput WithRawData(string name, TensorElementType elementType, long[] shape, ReadOnlyMemory<byte> data) =>
        new(name, default, elementType, shape, data, isRaw: true);
}
