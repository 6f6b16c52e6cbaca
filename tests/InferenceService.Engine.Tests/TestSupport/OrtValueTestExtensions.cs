using System.Runtime.InteropServices;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.TestSupport;

/// <summary>
/// Shorthand for tests that build and inspect ONNX Runtime values directly: a tensor from an array of any element type
/// (the BCL's <see cref="Half"/> included), and its element type, shape and elements as properties.
/// </summary>
internal static class OrtValueTestExtensions
{
    extension(OrtValue)
    {
        /// <summary>A tensor holding a copy of <paramref name="data"/>, in memory ONNX Runtime allocates.</summary>
        public static OrtValue CreateTensor<T>(T[] data, long[] shape) where T : unmanaged
        {
            var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementTypes.Of<T>(), shape);
            MemoryMarshal.AsBytes(data.AsSpan()).CopyTo(value.GetTensorMutableRawData());
            return value;
        }

        public static OrtValue CreateStringTensor(string[] values, long[] shape) => OrtValueExtensions.CreateStringTensor(values, shape);
    }

    extension(OrtValue value)
    {
        public TensorElementType ElementType => value.GetTensorTypeAndShape().ElementDataType;

        public long[] Shape => value.GetTensorTypeAndShape().Shape;

        public long ElementCount => value.GetTensorTypeAndShape().ElementCount;

        public ReadOnlySpan<T> GetTensorData<T>() where T : unmanaged => value.GetData<T>(value.ElementType);

        public ReadOnlySpan<byte> GetTensorBytes() => value.GetTensorMutableRawData();

        public string[] GetStrings() => value.GetStringTensorAsArray();
    }
}
