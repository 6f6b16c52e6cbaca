using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Onnx;

/// <summary>
/// Reads and creates <see cref="OrtValue"/> tensors the way the codecs need them: elements as spans of the BCL's
/// types (<see cref="Half"/> for FP16, which the package's typed accessor refuses), and tensors over memory the
/// caller has pinned.
/// </summary>
public static class OrtValueExtensions
{
    /// <summary>The elements, read in place; <typeparamref name="T"/> must be the element type's .NET type.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> does not match the tensor's element type.</exception>
    public static ReadOnlySpan<T> GetData<T>(this OrtValue value, TensorElementType elementType) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(value);
        var expected = TensorElementTypes.Of<T>();
        if (expected != elementType)
        {
            throw new InvalidOperationException($"The tensor holds {elementType} elements, not {expected}.");
        }
        // The byte view is the one accessor without a type check of its own; the check is ours, above.
        return MemoryMarshal.Cast<byte, T>(value.GetTensorMutableRawData());
    }

    /// <summary>
    /// A tensor over <paramref name="byteLength"/> bytes at <paramref name="data"/>, without copying. The memory must
    /// stay pinned, and unchanged, until the value is disposed.
    /// </summary>
    public static OrtValue CreateTensorOver(IntPtr data, long byteLength, TensorElementType elementType, long[] shape) =>
        OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, elementType, shape, data, byteLength);

    /// <summary>A string tensor holding a copy of <paramref name="values"/> (ONNX Runtime owns string tensors' memory).</summary>
    public static OrtValue CreateStringTensor(ReadOnlySpan<string> values, long[] shape)
    {
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        try
        {
            for (var i = 0; i < values.Length; i++)
            {
                value.StringTensorSetElementAt(values[i].AsSpan(), i);
            }
            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }
}
