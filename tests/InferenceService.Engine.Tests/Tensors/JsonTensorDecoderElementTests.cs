using InferenceService.Engine.Tensors;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InferenceService.Engine.Tests.Tensors.TestJson;

namespace InferenceService.Engine.Tests.Tensors;

/// <summary>Element conversion: ranges, integrality, float rounding and literals, JSON kinds.</summary>
public class JsonTensorDecoderElementTests
{
    private static T[] Decode<T>(TensorElementType type, string json) where T : unmanaged
    {
        using var tensor = JsonTensorDecoder.DecodeNested("x", Parse(json), type);
        Assert.Equal(tensor.ElementCount * TensorElementTypes.SizeOf(type), tensor.Data.Length);
        return tensor.GetData<T>().ToArray();
    }

    private static void AssertInvalid(TensorElementType type, string json, string message) =>
        TestJson.AssertInvalid(message, () => JsonTensorDecoder.DecodeNested("x", Parse(json), type).Dispose());

    [Fact]
    public void Decode_Int8Limits_Exact() =>
        Assert.Equal([sbyte.MinValue, sbyte.MaxValue, 0], Decode<sbyte>(TensorElementType.Int8, "[-128, 127, 0]"));

    [Fact]
    public void Decode_Int16Limits_Exact() =>
        Assert.Equal([short.MinValue, short.MaxValue], Decode<short>(TensorElementType.Int16, "[-32768, 32767]"));

    [Fact]
    public void Decode_Int32Limits_Exact() =>
        Assert.Equal([int.MinValue, int.MaxValue], Decode<int>(TensorElementType.Int32, "[-2147483648, 2147483647]"));

    [Fact]
    public void Decode_Int64Limits_Exact() =>
        Assert.Equal([long.MinValue, long.MaxValue], Decode<long>(TensorElementType.Int64, "[-9223372036854775808, 9223372036854775807]"));

    [Fact]
    public void Decode_UInt8Limits_Exact() =>
        Assert.Equal([byte.MinValue, byte.MaxValue], Decode<byte>(TensorElementType.UInt8, "[0, 255]"));

    [Fact]
    public void Decode_UInt16Limits_Exact() =>
        Assert.Equal([ushort.MinValue, ushort.MaxValue], Decode<ushort>(TensorElementType.UInt16, "[0, 65535]"));

    [Fact]
    public void Decode_UInt32Limits_Exact() =>
        Assert.Equal([uint.MinValue, uint.MaxValue], Decode<uint>(TensorElementType.UInt32, "[0, 4294967295]"));

    [Fact]
    public void Decode_UInt64Limits_Exact() =>
        Assert.Equal([ulong.MinValue, ulong.MaxValue, 9223372036854775808UL], Decode<ulong>(TensorElementType.UInt64, "[0, 18446744073709551615, 9223372036854775808]"));

    [Theory]
    [InlineData(TensorElementType.UInt8, "300", "300 is out of range for UINT8 (0..255)")]
    [InlineData(TensorElementType.UInt8, "-1", "-1 is out of range for UINT8 (0..255)")]
    [InlineData(TensorElementType.Int8, "128", "128 is out of range for INT8 (-128..127)")]
    [InlineData(TensorElementType.Int8, "-129", "-129 is out of range for INT8 (-128..127)")]
    [InlineData(TensorElementType.UInt16, "65536", "65536 is out of range for UINT16 (0..65535)")]
    [InlineData(TensorElementType.Int16, "-32769", "-32769 is out of range for INT16 (-32768..32767)")]
    [InlineData(TensorElementType.UInt32, "4294967296", "4294967296 is out of range for UINT32 (0..4294967295)")]
    [InlineData(TensorElementType.Int32, "2147483648", "2147483648 is out of range for INT32 (-2147483648..2147483647)")]
    [InlineData(TensorElementType.UInt64, "18446744073709551616", "18446744073709551616 is out of range for UINT64 (0..18446744073709551615)")]
    [InlineData(TensorElementType.UInt64, "-1", "-1 is out of range for UINT64 (0..18446744073709551615)")]
    [InlineData(TensorElementType.Int64, "9223372036854775808", "9223372036854775808 is out of range for INT64 (-9223372036854775808..9223372036854775807)")]
    [InlineData(TensorElementType.Int64, "-9223372036854775809", "-9223372036854775809 is out of range for INT64 (-9223372036854775808..9223372036854775807)")]
    [InlineData(TensorElementType.Int64, "1e19", "1e19 is out of range for INT64 (-9223372036854775808..9223372036854775807)")]
    [InlineData(TensorElementType.Int32, "1e400", "1e400 is out of range for INT32 (-2147483648..2147483647)")]
    [InlineData(TensorElementType.UInt8, "2.56e2", "2.56e2 is out of range for UINT8 (0..255)")]
    public void Decode_IntegerOutOfRange_ThrowsNamingValueAndRange(TensorElementType type, string value, string problem) =>
        AssertInvalid(type, $"[0, 1, 2, {value}]", $"Input 'x' element [3]: {problem}.");

    [Theory]
    [InlineData(TensorElementType.Int32, "2.5")]
    [InlineData(TensorElementType.Int64, "-0.5")]
    [InlineData(TensorElementType.UInt8, "1e-1")]
    [InlineData(TensorElementType.UInt64, "18446744073709551615.5")]
    [InlineData(TensorElementType.Int16, "1e-400")]
    [InlineData(TensorElementType.Int32, "100.01e1")]
    public void Decode_FractionForIntegerType_ThrowsNotInteger(TensorElementType type, string value) =>
        AssertInvalid(type, $"[{value}]", $"Input 'x' element [0]: {value} is not an integer, which {TensorDataType.ToProtocolName(type)} requires.");

    [Fact]
    public void Decode_IntegralNumbersWrittenAsDecimals_Accepted() =>
        Assert.Equal([3, 1000, 0, 1, 15, -7, 0], Decode<int>(TensorElementType.Int32, "[3.0, 1e3, -0.0, 100e-2, 1.5e1, -7.000, 0e999]"));

    [Fact]
    public void Decode_Int64WrittenAsDecimalBeyondDoublePrecision_Exact() =>
        Assert.Equal([9007199254740993L, long.MinValue], Decode<long>(TensorElementType.Int64, "[9007199254740993.0, -9.223372036854775808e18]"));

    [Fact]
    public void Decode_UInt64MaxWrittenWithExponent_Exact() =>
        Assert.Equal([ulong.MaxValue], Decode<ulong>(TensorElementType.UInt64, "[1.8446744073709551615e19]"));

    [Fact]
    public void Decode_SingleValues_RoundTripExactly() =>
        Assert.Equal([0.1f, -3.4028235e38f, 1.401298e-45f, -0f], Decode<float>(TensorElementType.Float, "[0.1, -3.4028235e38, 1.401298e-45, -0.0]"));

    [Fact]
    public void Decode_DoubleValues_RoundTripExactly() =>
        Assert.Equal([0.1, double.MaxValue, double.Epsilon], Decode<double>(TensorElementType.Double, "[0.1, 1.7976931348623157e308, 5e-324]"));

    [Theory]
    [InlineData(TensorElementType.Float16)]
    [InlineData(TensorElementType.BFloat16)]
    [InlineData(TensorElementType.Float)]
    [InlineData(TensorElementType.Double)]
    public void Decode_NamedLiterals_BecomeNaNAndInfinities(TensorElementType type)
    {
        using var tensor = JsonTensorDecoder.DecodeNested("x", Parse("[\"NaN\", \"Infinity\", \"-Infinity\"]"), type);
        var values = type switch
        {
            TensorElementType.Float16 => tensor.GetData<Half>().ToArray().Select(v => (double)v),
            TensorElementType.BFloat16 => tensor.GetData<BFloat16>().ToArray().Select(v => (double)(float)v),
            TensorElementType.Float => tensor.GetData<float>().ToArray().Select(v => (double)v),
            _ => tensor.GetData<double>().ToArray(),
        };
        Assert.Equal([double.NaN, double.PositiveInfinity, double.NegativeInfinity], values);
    }

    [Fact]
    public void Decode_Float16Limits_RoundToNearest()
    {
        var values = Decode<Half>(TensorElementType.Float16, "[65504, -65504, 65519.99, 0.1, 6e-8, 1e-9]");
        Assert.Equal([Half.MaxValue, Half.MinValue, Half.MaxValue, (Half)0.1f, Half.Epsilon, (Half)0f], values);
    }

    [Fact]
    public void Decode_Float16NearMidpoint_RoundsOnceFromText()
    {
        // 1 + 2^-11 is the midpoint between 1 and the next FP16; this is a hair above it, which a double would round
        // onto the midpoint and then (ties to even) down to 1.
        var values = Decode<Half>(TensorElementType.Float16, "[1.00048828125000000000001, 1.00048828125]");
        Assert.Equal([BitConverter.UInt16BitsToHalf(0x3C01), (Half)1f], values);
    }

    [Fact]
    public void Decode_BFloat16_RoundsToNearestEvenInOneStep()
    {
        // 1.00390625 is the midpoint of 1 and 1.0078125 (ties to even: 1); 1.01171875 the midpoint of 1.0078125 and
        // 1.015625 (ties to even: up); 1.0039062500000002 is just above a midpoint, which rounding through float loses.
        var values = Decode<BFloat16>(TensorElementType.BFloat16, "[1.00390625, 1.01171875, 1.0039062500000002, 0.1, 3.3895314e38, -0.0]");
        Assert.Equal([1f, 1.015625f, 1.0078125f, 0.10009765625f, 3.3895314e38f, -0f], values.Select(v => (float)v));
        Assert.Equal(0x8000, values[^1].value);
    }

    [Theory]
    [InlineData(TensorElementType.Float16, "65520", "65520 is out of range for FP16 (-65504..65504)")]
    [InlineData(TensorElementType.Float16, "-70000", "-70000 is out of range for FP16 (-65504..65504)")]
    [InlineData(TensorElementType.BFloat16, "3.4e38", "3.4e38 is out of range for BF16 (-3.3895314E+38..3.3895314E+38)")]
    [InlineData(TensorElementType.BFloat16, "1e300", "1e300 is out of range for BF16 (-3.3895314E+38..3.3895314E+38)")]
    [InlineData(TensorElementType.Float, "3.5e38", "3.5e38 is out of range for FP32 (-3.4028235E+38..3.4028235E+38)")]
    [InlineData(TensorElementType.Double, "-1e309", "-1e309 is out of range for FP64 (-1.7976931348623157E+308..1.7976931348623157E+308)")]
    public void Decode_FiniteNumberBeyondFloatRange_ThrowsInsteadOfInfinity(TensorElementType type, string value, string problem) =>
        AssertInvalid(type, $"[1, {value}]", $"Input 'x' element [1]: {problem}.");

    [Fact]
    public void Decode_Booleans_OneAndZero()
    {
        using var tensor = JsonTensorDecoder.DecodeNested("x", Parse("[true, false, true]"), TensorElementType.Bool);
        Assert.Equal([1, 0, 1], tensor.Data.ToArray());
        Assert.Equal([true, false, true], tensor.GetData<bool>().ToArray());
    }

    [Fact]
    public void Decode_Strings_KeepsEmptyEscapedAndNonAscii()
    {
        using var tensor = JsonTensorDecoder.DecodeNested("x", Parse("[[\"\", \"h\\u00e9llo\", \"日本語\"], [\"a\\\"b\", \"\\t\", \"😀\"]]"), TensorElementType.String);
        Assert.Equal([2L, 3L], tensor.Shape);
        Assert.Equal(["", "héllo", "日本語", "a\"b", "\t", "😀"], tensor.Strings!);
        Assert.True(tensor.Data.IsEmpty);
    }

    [Fact]
    public void Decode_StringWithNul_ThrowsInsteadOfTruncating() =>
        AssertInvalid(TensorElementType.String, "[\"ok\", \"a\\u0000b\"]",
            "Input 'x' element [1]: contains the NUL character (\\u0000), which BYTES tensors cannot hold.");

    [Theory]
    [InlineData(TensorElementType.Int32, "\"1\"", "expected an integer for INT32, got the string \"1\"")]
    [InlineData(TensorElementType.UInt8, "null", "expected an integer for UINT8, got null")]
    [InlineData(TensorElementType.Int64, "true", "expected an integer for INT64, got true")]
    [InlineData(TensorElementType.Float, "\"nan\"", "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\" for FP32, got the string \"nan\"")]
    [InlineData(TensorElementType.Double, "false", "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\" for FP64, got false")]
    [InlineData(TensorElementType.Float16, "{}", "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\" for FP16, got an object")]
    [InlineData(TensorElementType.BFloat16, "\"inf\"", "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\" for BF16, got the string \"inf\"")]
    [InlineData(TensorElementType.Bool, "1", "expected true or false for BOOL, got the number 1")]
    [InlineData(TensorElementType.Bool, "\"true\"", "expected true or false for BOOL, got the string \"true\"")]
    [InlineData(TensorElementType.String, "1", "expected a string for BYTES, got the number 1")]
    [InlineData(TensorElementType.String, "null", "expected a string for BYTES, got null")]
    public void Decode_WrongJsonKind_ThrowsNamingExpectedKind(TensorElementType type, string value, string problem)
    {
        var first = type switch
        {
            TensorElementType.Bool => "true",
            TensorElementType.String => "\"a\"",
            _ => "1",
        };
        AssertInvalid(type, $"[[{first}, {first}], [{first}, {value}]]", $"Input 'x' element [1][1]: {problem}.");
    }

    [Fact]
    public void Decode_BadScalarInput_ThrowsWithoutPosition() =>
        AssertInvalid(TensorElementType.UInt8, "256", "Input 'x': 256 is out of range for UINT8 (0..255).");

    [Fact]
    public void Decode_LongNumber_EchoesItCutShort() =>
        AssertInvalid(TensorElementType.Int32, "[" + new string('9', 100) + "]",
            $"Input 'x' element [0]: {new string('9', 40)}... is out of range for INT32 (-2147483648..2147483647).");

    [Fact]
    public void Decode_UnsupportedElementType_ThrowsArgumentOutOfRange() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => JsonTensorDecoder.DecodeNested("x", Parse("[1]"), TensorElementType.Complex64));
}
