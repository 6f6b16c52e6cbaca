namespace InferenceService.OnnxRuntime;

/// <summary>ONNX tensor element types (<c>ONNXTensorElementDataType</c>), with the ONNX values.</summary>
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>Facts about element types: their size and the .NET type that holds one element.</summary>
public static class TensorElementTypes
{
    /// <summary>Bytes per element of a fixed-size type; 0 for strings and types the binding does not support.</summary>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Bool or TensorElementType.UInt8 or TensorElementType.Int8 => 1,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 => 8,
        _ => 0,
    };

    /// <summary>Whether the binding can create and read tensors of this type.</summary>
    public static bool IsSupported(TensorElementType type) => type == TensorElementType.String || SizeOf(type) > 0;

    /// <summary>The element type stored as <typeparamref name="T"/>.</summary>
    public static TensorElementType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? TensorElementType.Float
        : typeof(T) == typeof(double) ? TensorElementType.Double
        : typeof(T) == typeof(Half) ? TensorElementType.Float16
        : typeof(T) == typeof(BFloat16) ? TensorElementType.BFloat16
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
