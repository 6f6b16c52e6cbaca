using System.Text.Json;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// One input of a request as the request states it, before anything is decoded: a view into the request's parsed
/// JSON body. The simple API gives only the name and the nested value (the nesting is the shape, the model gives the
/// element type); the Open Inference Protocol also gives the datatype and the shape.
/// </summary>
public readonly struct JsonInput
{
    private JsonInput(string name, JsonElement data, TensorElementType? elementType, long[]? shape)
    {
        Name = name;
        Data = data;
        ElementType = elementType;
        Shape = shape;
    }

    /// <summary>The input's name as the request gives it (the model's own string when the model has it).</summary>
    public string Name { get; }

    /// <summary>The values: nested arrays, flat data, or a scalar.</summary>
    public JsonElement Data { get; }

    /// <summary>The element type the request states; null: the model's.</summary>
    public TensorElementType? ElementType { get; }

    /// <summary>The shape the request states; null: the nesting of <see cref="Data"/>.</summary>
#pragma warning disable CA1819 // The shape becomes the tensor's, as an array.
    public long[]? Shape { get; }
#pragma warning restore CA1819

    /// <summary>A simple-API input: the nesting gives the shape, the model the element type.</summary>
    public static JsonInput Nested(string name, JsonElement value) => new(name, value, null, null);

    /// <summary>An Open Inference Protocol input: datatype and shape beside flat or nested data.</summary>
    public static JsonInput WithShape(string name, TensorElementType elementType, long[] shape, JsonElement data) =>
        new(name, data, elementType, shape);
}
