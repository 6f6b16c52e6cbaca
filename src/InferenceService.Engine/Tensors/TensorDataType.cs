using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// The tensor datatype names of the Open Inference Protocol (KServe V2) and the ONNX element types they stand for.
/// <c>BYTES</c> is the protocol's name for variable-length data, which ONNX models hold as string tensors.
/// </summary>
public static class TensorDataType
{
    /// <summary>Every datatype name the server accepts, in the order the protocol lists them (for error messages).</summary>
    public static IReadOnlyList<string> ProtocolNames { get; } =
    [
        "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BF16", "BYTES",
    ];

    /// <summary>
    /// Maps a protocol datatype name to its element type. Names are matched exactly (upper case), as the protocol
    /// spells them; anything else returns <see langword="false"/> so the caller can answer with
    /// <see cref="ProtocolNames"/>.
    /// </summary>
    public static bool TryParse(string? name, out TensorElementType type)
    {
        // A switch on the string compiles to a length-and-character jump table: no dictionary lookup, no hashing.
        type = name switch
        {
            "BOOL" => TensorElementType.Bool,
            "UINT8" => TensorElementType.UInt8,
            "UINT16" => TensorElementType.UInt16,
            "UINT32" => TensorElementType.UInt32,
            "UINT64" => TensorElementType.UInt64,
            "INT8" => TensorElementType.Int8,
            "INT16" => TensorElementType.Int16,
            "INT32" => TensorElementType.Int32,
            "INT64" => TensorElementType.Int64,
            "FP16" => TensorElementType.Float16,
            "FP32" => TensorElementType.Float,
            "FP64" => TensorElementType.Double,
            "BF16" => TensorElementType.BFloat16,
            "BYTES" => TensorElementType.String,
            _ => TensorElementTypes.Undefined,
        };
        return type != TensorElementTypes.Undefined;
    }

    /// <summary>The protocol datatype name of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The type has no protocol name (complex numbers, undefined).</exception>
    public static string ToProtocolName(TensorElementType type) =>
        TryGetProtocolName(type) ?? throw new ArgumentOutOfRangeException(nameof(type), type, "The element type has no Open Inference Protocol datatype.");

    /// <summary>
    /// A name for <paramref name="type"/> fit for a client-facing message: the protocol name, or for the few ONNX
    /// types the protocol lacks, the upper-case ONNX name (COMPLEX64) rather than a .NET enum spelling.
    /// </summary>
    internal static string DisplayName(TensorElementType type) =>
        TryGetProtocolName(type) ?? type.ToString().ToUpperInvariant();

    private static string? TryGetProtocolName(TensorElementType type) => type switch
    {
        TensorElementType.Bool => "BOOL",
        TensorElementType.UInt8 => "UINT8",
        TensorElementType.UInt16 => "UINT16",
        TensorElementType.UInt32 => "UINT32",
        TensorElementType.UInt64 => "UINT64",
        TensorElementType.Int8 => "INT8",
        TensorElementType.Int16 => "INT16",
        TensorElementType.Int32 => "INT32",
        TensorElementType.Int64 => "INT64",
        TensorElementType.Float16 => "FP16",
        TensorElementType.Float => "FP32",
        TensorElementType.Double => "FP64",
        TensorElementType.BFloat16 => "BF16",
        TensorElementType.String => "BYTES",
        _ => null,
    };
}
