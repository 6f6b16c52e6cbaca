using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime;
using static InferenceService.Engine.Tests.Tensors.TestJson;

using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Tensors;

public class JsonTensorEncoderTests
{
    private static string Nested<T>(T[] data, params long[] shape) where T : unmanaged
    {
        using var value = OrtValue.CreateTensor<T>(data, shape);
        return Write(writer => JsonTensorEncoder.WriteNested(writer, OutputTensor.Whole(value)));
    }

    private static string Flat<T>(T[] data, params long[] shape) where T : unmanaged
    {
        using var value = OrtValue.CreateTensor<T>(data, shape);
        return Write(writer => JsonTensorEncoder.WriteFlat(writer, OutputTensor.Whole(value)));
    }

    [Fact]
    public void WriteNested_Matrix_WritesRows() =>
        Assert.Equal("[[1,2,3],[4,5,6]]", Nested(new[] { 1, 2, 3, 4, 5, 6 }, 2, 3));

    [Fact]
    public void WriteNested_ThreeDimensions_WritesNestedRows() =>
        Assert.Equal("[[[1,2]],[[3,4]],[[5,6]]]", Nested(new long[] { 1, 2, 3, 4, 5, 6 }, 3, 1, 2));

    [Fact]
    public void WriteNested_RankZero_WritesScalar() =>
        Assert.Equal("2.5", Nested(new[] { 2.5f }));

    [Fact]
    public void WriteNested_EmptyRows_WritesEmptyArrays() =>
        Assert.Equal("[[],[]]", Nested(Array.Empty<float>(), 2, 0));

    [Fact]
    public void WriteNested_NoRows_WritesEmptyArray() =>
        Assert.Equal("[]", Nested(Array.Empty<float>(), 0, 3));

    [Fact]
    public void WriteFlat_Matrix_WritesRowMajorArray() =>
        Assert.Equal("[1,2,3,4,5,6]", Flat(new[] { 1, 2, 3, 4, 5, 6 }, 2, 3));

    [Fact]
    public void WriteFlat_RankZero_WritesOneElementArray() =>
        Assert.Equal("[7]", Flat(new[] { (byte)7 }));

    [Fact]
    public void WriteFlat_Empty_WritesEmptyArray() =>
        Assert.Equal("[]", Flat(Array.Empty<int>(), 2, 0));

    [Fact]
    public void WriteNested_Singles_ShortestRoundTripAndNamedNonFinite() =>
        Assert.Equal("[0.1,-3.4028235E+38,1E-45,-0,\"NaN\",\"Infinity\",\"-Infinity\"]",
            Nested(new[] { 0.1f, float.MinValue, float.Epsilon, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity }, 7));

    [Theory]
    [InlineData(3)]
    [InlineData(1000)]
    [InlineData(20_000)] // past the rows formatted whole into one buffer: element by element, the same text
    public void WriteNested_RandomSingles_TheTextTheWriterWritesElementByElement(int length)
    {
        var random = new Random(length);
        var data = Enumerable.Range(0, 2 * length).Select(i => i % 97 == 5 ? float.NaN : BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32))).ToArray();
        var expected = Write(writer =>
        {
            writer.WriteStartArray();
            for (var row = 0; row < 2; row++)
            {
                writer.WriteStartArray();
                foreach (var value in data.AsSpan(row * length, length))
                {
                    if (float.IsFinite(value))
                    {
                        writer.WriteNumberValue(value);
                    }
                    else
                    {
                        writer.WriteStringValue(float.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
                    }
                }
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
        });

        Assert.Equal(expected, Nested(data, 2, length));
    }

    [Fact]
    public void WriteNested_Doubles_ShortestRoundTripAndNamedNonFinite() =>
        Assert.Equal("[0.1,1.7976931348623157E+308,5E-324,\"NaN\",\"-Infinity\"]",
            Nested(new[] { 0.1, double.MaxValue, double.Epsilon, double.NaN, double.NegativeInfinity }, 5));

    [Fact]
    public void WriteNested_Halves_WritesExactValueAsFloat() =>
        Assert.Equal("[65504,-65504,0.099975586,5.9604645E-08,\"NaN\",\"Infinity\"]",
            Nested(new[] { Half.MaxValue, Half.MinValue, (Half)0.1f, Half.Epsilon, Half.NaN, Half.PositiveInfinity }, 6));

    [Fact]
    public void WriteNested_BFloat16s_WritesExactValueAsFloat() =>
        Assert.Equal("[1.0078125,0.100097656,3.3895314E+38,\"NaN\",\"-Infinity\"]",
            Nested(new[] { new BFloat16(0x3F81), (BFloat16)0.1f, new BFloat16(0x7F7F), (BFloat16)float.NaN, (BFloat16)float.NegativeInfinity }, 5));

    [Fact]
    public void WriteNested_Integers_Exact()
    {
        Assert.Equal("[18446744073709551615,0]", Nested(new[] { ulong.MaxValue, 0UL }, 2));
        Assert.Equal("[-9223372036854775808,9223372036854775807]", Nested(new[] { long.MinValue, long.MaxValue }, 2));
        Assert.Equal("[-128,127]", Nested(new sbyte[] { -128, 127 }, 2));
        Assert.Equal("[4294967295]", Nested(new[] { uint.MaxValue }, 1));
    }

    [Fact]
    public void WriteNested_Booleans_WritesTrueAndFalse() =>
        Assert.Equal("[[true,false]]", Nested(new[] { true, false }, 1, 2));

    [Fact]
    public void WriteNested_Strings_WritesJsonStrings()
    {
        using var value = OrtValue.CreateStringTensor(["", "héllo", "a\"b", "😀"], [2, 2]);
        // The writer escapes characters outside the basic plane even with relaxed escaping; it is still the same text.
        Assert.Equal("[[\"\",\"héllo\"],[\"a\\\"b\",\"\\uD83D\\uDE00\"]]", Write(writer => JsonTensorEncoder.WriteNested(writer, OutputTensor.Whole(value))));
        Assert.Equal("[\"\",\"héllo\",\"a\\\"b\",\"\\uD83D\\uDE00\"]", Write(writer => JsonTensorEncoder.WriteFlat(writer, OutputTensor.Whole(value))));
    }

    [Fact]
    public void WriteRow_EachRow_WritesItWithoutTheBatchDimension()
    {
        using var matrix = OrtValue.CreateTensor<float>(new[] { 1f, 2, 3, 4, 5, 6 }, [2, 3]);
        using var vector = OrtValue.CreateTensor<long>(new[] { 7L, 8 }, [2]);
        using var cube = OrtValue.CreateTensor<int>(new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, [2, 2, 2]);

        Assert.Equal("[4,5,6]", Write(writer => JsonTensorEncoder.WriteRow(writer, OutputTensor.Whole(matrix), 1)));
        Assert.Equal("8", Write(writer => JsonTensorEncoder.WriteRow(writer, OutputTensor.Whole(vector), 1)));
        Assert.Equal("[[5,6],[7,8]]", Write(writer => JsonTensorEncoder.WriteRow(writer, OutputTensor.Whole(cube), 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Write(writer => JsonTensorEncoder.WriteRow(writer, OutputTensor.Whole(vector), 2)));
    }

    [Fact]
    public void WriteElement_Index_WritesThatElementAlone()
    {
        using var value = OrtValue.CreateTensor<float>(new[] { 1f, float.NaN, 2.5f, 4f }, [2, 2]);
        Assert.Equal("2.5", Write(writer => JsonTensorEncoder.WriteElement(writer, OutputTensor.Whole(value), 2)));
        Assert.Equal("\"NaN\"", Write(writer => JsonTensorEncoder.WriteElement(writer, OutputTensor.Whole(value), 1)));
    }

    [Fact]
    public void WriteElement_StringTensor_WritesString()
    {
        using var value = OrtValue.CreateStringTensor(["cat", "dog"], [2]);
        Assert.Equal("\"dog\"", Write(writer => JsonTensorEncoder.WriteElement(writer, OutputTensor.Whole(value), 1)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    public void WriteElement_IndexOutsideTensor_Throws(long index)
    {
        using var value = OrtValue.CreateTensor<int>(new[] { 1, 2, 3, 4 }, [4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Write(writer => JsonTensorEncoder.WriteElement(writer, OutputTensor.Whole(value), index)));
    }
}
