namespace InferenceService.Client.Tests;

public sealed class InferTensorTests
{
    [Fact]
    public void From_Span_HoldsTheElementsAsRawLittleEndianBytes()
    {
        ReadOnlySpan<short> values = [1, -2, 258];

        var tensor = InferTensor.From("x", values, 1, 3);

        Assert.Equal(TensorDatatype.Int16, tensor.Datatype);
        Assert.Equal([1, 0, 0xFE, 0xFF, 2, 1], tensor.RawData.ToArray());
        Assert.Equal([1, -2, 258], tensor.ToArray<short>());
    }

    [Fact]
    public void FromArray_ShapeThatDoesNotHoldTheElements_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => InferTensor.FromArray("x", [1f, 2f, 3f], 2, 2));

        Assert.Contains("holds 4 elements, but 3 were given", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromStrings_RawData_IsLengthPrefixedUtf8AndReadsBack()
    {
        var tensor = InferTensor.FromStrings("x", ["é", ""]);

        Assert.Equal([2, 0, 0, 0, 0xC3, 0xA9, 0, 0, 0, 0], tensor.RawData.ToArray());
        Assert.Equal(["é", ""], InferTensor.FromRaw("x", TensorDatatype.Bytes, [2], tensor.RawData.Span).ToStrings());
    }

    [Fact]
    public void AsSpan_OtherElementType_Throws()
    {
        var tensor = InferTensor.FromArray("x", [1, 2]);

        var error = Assert.Throws<InvalidOperationException>(() => tensor.AsSpan<float>().Length);

        Assert.Equal("Tensor 'x' holds INT32 elements, not FP32.", error.Message);
    }

    [Fact]
    public void FromRaw_TruncatedBytes_ThrowsInternal()
    {
        var error = Assert.Throws<InferenceClientException>(() => InferTensor.FromRaw("y", TensorDatatype.Bytes, [1], [9, 0, 0, 0, 1]));

        Assert.Equal(InferenceErrorCode.Internal, error.Code);
    }
}
