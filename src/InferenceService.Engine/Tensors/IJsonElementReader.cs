using System.Text.Json;

namespace InferenceService.Engine.Tensors;

/// <summary>How reading one JSON value as a tensor element went.</summary>
internal enum ElementStatus
{
    Ok,

    /// <summary>The JSON value is of a kind the element type does not take (a string for INT32, a number for BOOL).</summary>
    WrongKind,

    /// <summary>A number outside the element type's range (or one that would round to infinity).</summary>
    OutOfRange,

    /// <summary>A number with a fractional part, for an integer type.</summary>
    NotInteger,

    /// <summary>A string with a NUL character, which ONNX Runtime's string tensors cannot hold.</summary>
    ContainsNul,
}

/// <summary>
/// Reads one JSON value as an element of type <typeparamref name="T"/>. Implemented by structs with a static method so
/// that the decoder's loops are compiled once per element type with the read inlined: no delegate, no interface
/// dispatch and no boxing per element. Readers report a status instead of throwing, because only the caller knows
/// the element's position for the message.
/// </summary>
internal interface IJsonElementReader<T>
{
    static abstract ElementStatus Read(JsonElement element, out T value);
}
