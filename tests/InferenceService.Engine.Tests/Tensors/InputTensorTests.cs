using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InferenceService.Engine.Tests.Tensors.TestJson;

using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Tensors;

public class InputTensorTests
{
    [Fact]
    public void CreateOrtValue_FixedSize_WrapsTheBufferWithoutCopying()
    {
        using var tensor = JsonTensorDecoder.DecodeNested("x", Parse("[[1, 2], [3, 4]]"), TensorElementType.Int32);
        using (var value = tensor.CreateOrtValue())
        {
            tensor.GetData<int>()[3] = 40;
            Assert.Equal([1, 2, 3, 40], value.GetTensorData<int>().ToArray());
            Assert.Equal([2L, 2L], value.Shape);
            Assert.Equal(TensorElementType.Int32, value.ElementType);
        }
    }

    [Fact]
    public void CreateOrtValue_Strings_CreatesStringTensor()
    {
        using var tensor = JsonTensorDecoder.DecodeNested("x", Parse("[\"a\", \"é\"]"), TensorElementType.String);
        using var value = tensor.CreateOrtValue();
        Assert.Equal(["a", "é"], value.GetStrings());
    }

    [Fact]
    public void CreateOrtValue_Empty_CreatesEmptyTensor()
    {
        using var tensor = JsonTensorDecoder.DecodeNested("x", Parse("[[], []]"), TensorElementType.Float);
        using var value = tensor.CreateOrtValue();
        Assert.Equal([2L, 0L], value.Shape);
        Assert.Equal(0, value.ElementCount);
    }

    [Fact]
    public void Data_AfterDispose_Throws()
    {
        var tensor = InputTensor.Rent("x", TensorElementType.Float, [2]);
        tensor.Dispose();
        tensor.Dispose();
        Assert.Throws<ObjectDisposedException>(() => tensor.Data);
    }

    [Fact]
    public void Rent_Shape_ExposesExactByteLength()
    {
        using var tensor = InputTensor.Rent("x", TensorElementType.Double, [3, 5]);
        Assert.Equal(120, tensor.Data.Length);
        Assert.Equal(15, tensor.GetData<double>().Length);
    }

    [Fact]
    public void Rent_NegativeDimension_ThrowsInvalidInput()
    {
        var error = Assert.Throws<InferenceException>(() => InputTensor.Rent("x", TensorElementType.Float, [2, -3]));
        Assert.Equal("Input 'x' has a negative dimension (-3) in shape [2, -3].", error.Message);
    }

    [Fact]
    public void Rent_MoreBytesThanOneArray_ThrowsInvalidInput()
    {
        var error = Assert.Throws<InferenceException>(() => InputTensor.Rent("x", TensorElementType.Double, [1L << 31]));
        Assert.Equal("Input 'x' has 2147483648 elements, more than the server accepts in one tensor.", error.Message);
    }

    [Fact]
    public void Rent_StringType_Throws() =>
        Assert.Throws<ArgumentException>(() => InputTensor.Rent("x", TensorElementType.String, [1]));

    [Fact]
    public void GetData_WrongType_Throws()
    {
        using var tensor = InputTensor.Rent("x", TensorElementType.Float, [1]);
        Assert.Throws<InvalidOperationException>(() => tensor.GetData<int>());
    }

    [Fact]
    public void FromStrings_CountMismatch_Throws() =>
        Assert.Throws<ArgumentException>(() => InputTensor.FromStrings("x", ["a"], [2]));
}
