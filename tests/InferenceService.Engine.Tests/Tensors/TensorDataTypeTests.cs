using InferenceService.Engine.Tensors;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Tensors;

public class TensorDataTypeTests
{
    public static TheoryData<string, TensorElementType> Pairs => new()
    {
        { "BOOL", TensorElementType.Bool },
        { "UINT8", TensorElementType.UInt8 },
        { "UINT16", TensorElementType.UInt16 },
        { "UINT32", TensorElementType.UInt32 },
        { "UINT64", TensorElementType.UInt64 },
        { "INT8", TensorElementType.Int8 },
        { "INT16", TensorElementType.Int16 },
        { "INT32", TensorElementType.Int32 },
        { "INT64", TensorElementType.Int64 },
        { "FP16", TensorElementType.Float16 },
        { "FP32", TensorElementType.Float },
        { "FP64", TensorElementType.Double },
        { "BF16", TensorElementType.BFloat16 },
        { "BYTES", TensorElementType.String },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void TryParse_ProtocolName_ReturnsElementType(string name, TensorElementType type)
    {
        Assert.True(TensorDataType.TryParse(name, out var parsed));
        Assert.Equal(type, parsed);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void ToProtocolName_ElementType_ReturnsName(string name, TensorElementType type) =>
        Assert.Equal(name, TensorDataType.ToProtocolName(type));

    [Fact]
    public void ProtocolNames_ListsEveryNameOnce() =>
        Assert.Equal(Pairs.Select(row => (string)row[0]).Order(), TensorDataType.ProtocolNames.Order());

    [Theory]
    [InlineData("fp32")]
    [InlineData("FLOAT")]
    [InlineData("STRING")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_UnknownName_ReturnsFalse(string? name)
    {
        Assert.False(TensorDataType.TryParse(name, out var type));
        Assert.Equal(TensorElementTypes.Undefined, type);
    }

    [Theory]
    [InlineData(TensorElementType.Complex64)]
    [InlineData(TensorElementTypes.Undefined)]
    public void ToProtocolName_TypeWithoutName_Throws(TensorElementType type) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorDataType.ToProtocolName(type));
}
