using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Onnx;

/// <summary>Facts about element types: their size and the .NET type that holds one element.</summary>
public static class TensorElementTypes
{
    /// <summary>No element type (ONNX's 0): not a tensor, or a protocol name that names none.</summary>
    public const TensorElementType Undefined = default;

    /// <summary>Bytes per element of a fixed-size type; 0 for strings and types the service does not serve.</summary>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Bool or TensorElementType.UInt8 or TensorElementType.Int8 => 1,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 => 8,
        _ => 0,
    };

    /// <summary>Whether the service can create and read tensors of this type.</summary>
    public static bool IsSupported(TensorElementType type) => type == TensorElementType.String || SizeOf(type) > 0;

    /// <summary>
    /// The element type stored as <typeparamref name="T"/>. FP16 is <see cref="Half"/> here (the BCL's type, which the
    /// codecs format and parse); ONNX Runtime's own <see cref="Microsoft.ML.OnnxRuntime.Float16"/> has the same bits.
    /// </summary>
    public static TensorElementType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? TensorElementType.Float
        : typeof(T) == typeof(double) ? TensorElementType.Double
        : typeof(T) == typeof(Half) || typeof(T) == typeof(Microsoft.ML.OnnxRuntime.Float16) ? TensorElementType.Float16
        : typeof(T) == typeof(Microsoft.ML.OnnxRuntime.BFloat16) ? TensorElementType.BFloat16
        : typeof(T) == typeof(sbyte) ? TensorElementType.Int8
        : typeof(T) == typeof(short) ? TensorElementType.Int16
        : typeof(T) == typeof(int) ? TensorElementType.Int32
        : typeof(T) == typeof(long) ? TensorElementType.Int64
        : typeof(T) == typeof(byte) ? TensorElementType.UInt8
        : typeof(T) == typeof(ushort) ? TensorElementType.UInt16
        : typeof(T) == typeof(uint) ? TensorElementType.UInt32
        : typeof(T) == typeof(ulong) ? TensorElementType.UInt64
        : typeof(T) == typeof(bool) ? TensorElementType.Bool
        : throw new NotSupportedException($"{typeof(T).Name} is not an ONNX tensor element type.");
}
