namespace InferenceService.Client;

/// <summary>The tensor datatypes of the Open Inference Protocol.</summary>
public enum TensorDatatype
{
    Bool,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Int8,
    Int16,
    Int32,
    Int64,
    /// <summary>IEEE half precision (<see cref="Half"/>).</summary>
    Fp16,
    Fp32,
    Fp64,
    /// <summary>bfloat16 (<see cref="BFloat16"/>).</summary>
    Bf16,
    /// <summary>Variable-length elements: text (UTF-8) or bytes.</summary>
    Bytes,
}

/// <summary>The protocol's names of <see cref="TensorDatatype"/>, element sizes and the .NET type of each.</summary>
public static class TensorDatatypes
{
    private static readonly string[] s_names = ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BF16", "BYTES"];
    private static readonly int[] s_sizes = [1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 2, 0];

    /// <summary>The protocol's name ("FP32", "BYTES", …).</summary>
    public static string ToName(this TensorDatatype datatype) => s_names[(int)datatype];

    /// <summary>Bytes per element; 0 for <see cref="TensorDatatype.Bytes"/>.</summary>
    public static int SizeOf(this TensorDatatype datatype) => s_sizes[(int)datatype];

    public static bool TryParse(string? name, out TensorDatatype datatype)
    {
        var index = Array.IndexOf(s_names, name);
        datatype = index < 0 ? default : (TensorDatatype)index;
        return index >= 0;
    }

    /// <exception cref="InferenceClientException">The server named a datatype this client does not know.</exception>
    public static TensorDatatype Parse(string? name) =>
        TryParse(name, out var datatype) ? datatype : throw new InferenceClientException(InferenceErrorCode.Internal, $"The server answered with an unknown datatype \"{name}\".");

    /// <summary>The datatype whose elements are <typeparamref name="T"/>.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an element type of the protocol.</exception>
    public static TensorDatatype Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? TensorDatatype.Fp32
        : typeof(T) == typeof(long) ? TensorDatatype.Int64
        : typeof(T) == typeof(int) ? TensorDatatype.Int32
        : typeof(T) == typeof(double) ? TensorDatatype.Fp64
        : typeof(T) == typeof(bool) ? TensorDatatype.Bool
        : typeof(T) == typeof(byte) ? TensorDatatype.UInt8
        : typeof(T) == typeof(sbyte) ? TensorDatatype.Int8
        : typeof(T) == typeof(short) ? TensorDatatype.Int16
        : typeof(T) == typeof(ushort) ? TensorDatatype.UInt16
        : typeof(T) == typeof(uint) ? TensorDatatype.UInt32
        : typeof(T) == typeof(ulong) ? TensorDatatype.UInt64
        : typeof(T) == typeof(Half) ? TensorDatatype.Fp16
        : typeof(T) == typeof(BFloat16) ? TensorDatatype.Bf16
        : throw new ArgumentException($"{typeof(T).Name} is not an element type of the Open Inference Protocol.", nameof(T));
}
