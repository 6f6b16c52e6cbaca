using System.Runtime.InteropServices;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Onnx;

/// <summary>
/// Every element type through a real run, the way the service feeds and reads tensors: written into a pooled
/// <see cref="InputTensor"/>, wrapped without a copy, read back through <see cref="OutputTensor"/>. The identity models
/// return their input, so values must survive bit for bit.
/// </summary>
public class TensorElementTypeTests
{
    [Theory]
    [InlineData("float", TensorElementType.Float, 4)]
    [InlineData("double", TensorElementType.Double, 8)]
    [InlineData("float16", TensorElementType.Float16, 2)]
    [InlineData("bfloat16", TensorElementType.BFloat16, 2)]
    [InlineData("int8", TensorElementType.Int8, 1)]
    [InlineData("int16", TensorElementType.Int16, 2)]
    [InlineData("int32", TensorElementType.Int32, 4)]
    [InlineData("int64", TensorElementType.Int64, 8)]
    [InlineData("uint8", TensorElementType.UInt8, 1)]
    [InlineData("uint16", TensorElementType.UInt16, 2)]
    [InlineData("uint32", TensorElementType.UInt32, 4)]
    [InlineData("uint64", TensorElementType.UInt64, 8)]
    [InlineData("bool", TensorElementType.Bool, 1)]
    [InlineData("string", TensorElementType.String, 0)]
    public void Create_IdentityModel_MapsTheElementTypeOfInputAndOutput(string typeName, TensorElementType expected, int size)
    {
        using var session = TestModels.Open(TestModels.Identity(typeName));

        Assert.Equal(expected, Assert.Single(session.Inputs).ElementType);
        Assert.Equal(expected, Assert.Single(session.Outputs).ElementType);
        Assert.Equal([-1L, 3L], session.Inputs[0].Shape);
        Assert.Equal(["batch", ""], session.Inputs[0].SymbolicDimensions);
        Assert.Equal(size, TensorElementTypes.SizeOf(expected));
        Assert.True(TensorElementTypes.IsSupported(expected));
    }

    [Fact]
    public void Run_Float_KeepsExtremesInfinitiesNaNAndNegativeZero() =>
        AssertRoundTrip("float", new[]
        {
            float.MinValue, float.MaxValue, float.Epsilon,
            float.NegativeInfinity, float.PositiveInfinity, float.NaN,
            -0f, 1f / 3, -123.456f,
        });

    [Fact]
    public void Run_Double_KeepsExtremesInfinitiesNaNAndNegativeZero() =>
        AssertRoundTrip("double", new[]
        {
            double.MinValue, double.MaxValue, double.Epsilon,
            double.NegativeInfinity, double.PositiveInfinity, double.NaN,
            -0d, Math.PI, 1e-300,
        });

    [Fact]
    public void Run_Float16_KeepsExtremesInfinitiesNaNAndSubnormals() =>
        AssertRoundTrip("float16", new[]
        {
            Half.MinValue, Half.MaxValue, Half.Epsilon,
            Half.NegativeInfinity, Half.PositiveInfinity, Half.NaN,
            Half.NegativeZero, (Half)0.333f, (Half)(-2.5f),
        });

    [Fact]
    public void Run_BFloat16_KeepsExtremesInfinitiesNaNAndSubnormals() =>
        AssertRoundTrip("bfloat16", new[]
        {
            new BFloat16(0xFF7F), new BFloat16(0x7F7F), new BFloat16(0x0001), // lowest, highest, smallest subnormal
            new BFloat16(0xFF80), new BFloat16(0x7F80), new BFloat16(0x7FC0), // -inf, +inf, NaN
            new BFloat16(0x8000), (BFloat16)1f, (BFloat16)(-3.140625f),
        });

    [Fact]
    public void Run_Int8_KeepsMinAndMax() => AssertRoundTrip("int8", new sbyte[] { sbyte.MinValue, -1, 0, 1, 42, sbyte.MaxValue });

    [Fact]
    public void Run_Int16_KeepsMinAndMax() => AssertRoundTrip("int16", new short[] { short.MinValue, -1, 0, 1, 4242, short.MaxValue });

    [Fact]
    public void Run_Int32_KeepsMinAndMax() => AssertRoundTrip("int32", new[] { int.MinValue, -1, 0, 1, 424242, int.MaxValue });

    [Fact]
    public void Run_Int64_KeepsMinAndMax() => AssertRoundTrip("int64", new[] { long.MinValue, -1, 0, 1, 1L << 53 | 1, long.MaxValue });

    [Fact]
    public void Run_UInt8_KeepsMinAndMax() => AssertRoundTrip("uint8", new byte[] { byte.MinValue, 1, 127, 128, 200, byte.MaxValue });

    [Fact]
    public void Run_UInt16_KeepsMinAndMax() => AssertRoundTrip("uint16", new ushort[] { ushort.MinValue, 1, 32767, 32768, 60000, ushort.MaxValue });

    [Fact]
    public void Run_UInt32_KeepsMinAndMax() => AssertRoundTrip("uint32", new uint[] { uint.MinValue, 1, int.MaxValue, 1u << 31, 4_000_000_000, uint.MaxValue });

    [Fact]
    public void Run_UInt64_KeepsMinAndMax() => AssertRoundTrip("uint64", new ulong[] { ulong.MinValue, 1, long.MaxValue, 1ul << 63, (1ul << 63) + 1, ulong.MaxValue });

    [Fact]
    public void Run_Bool_KeepsEachValue() => AssertRoundTrip("bool", new[] { true, false, false, true, true, false });

    [Fact]
    public void Run_String_KeepsEmptyNonAsciiAndLongStrings()
    {
        var values = new[]
        {
            string.Empty, "hello", "héllo wörld",
            "日本語のテキスト", "emoji 🎉👩‍💻", "tab\tnew\nline",
            new string('x', 100_000), "Ωμέγα", string.Empty,
        };
        using var session = TestModels.Open(TestModels.Identity("string"));
        using var input = InputTensor.FromStrings("x", values, [3, 3]);
        using var x = input.CreateOrtValue();

        using var outputs = session.RunOwned(["x"], [x], ["y"]);

        var y = OutputTensor.Whole(outputs[0]);
        Assert.Equal(TensorElementType.String, y.ElementType);
        Assert.Equal([3L, 3L], y.Shape);
        Assert.Equal(values, y.GetStrings().ToArray());
    }

    [Fact]
    public void Run_StringsAllEmpty_ComeBackEmpty()
    {
        using var session = TestModels.Open(TestModels.Identity("string"));
        using var x = OrtValueExtensions.CreateStringTensor(["", "", "", "", "", ""], [2, 3]);

        using var outputs = session.RunOwned(["x"], [x], ["y"]);

        Assert.Equal(["", "", "", "", "", ""], outputs[0].GetStringTensorAsArray());
    }

    [Fact]
    public void Run_StringsWithZeroRows_ReturnsAnEmptyStringTensor()
    {
        using var session = TestModels.Open(TestModels.Identity("string"));
        using var x = OrtValueExtensions.CreateStringTensor([], [0, 3]);

        using var outputs = session.RunOwned(["x"], [x], ["y"]);

        Assert.Equal([0L, 3L], outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Empty(outputs[0].GetStringTensorAsArray());
    }

    [Fact]
    public void Of_EachClrType_GivesItsOnnxType()
    {
        Assert.Equal(TensorElementType.Float, TensorElementTypes.Of<float>());
        Assert.Equal(TensorElementType.Double, TensorElementTypes.Of<double>());
        Assert.Equal(TensorElementType.Float16, TensorElementTypes.Of<Half>());
        Assert.Equal(TensorElementType.Float16, TensorElementTypes.Of<Float16>());
        Assert.Equal(TensorElementType.BFloat16, TensorElementTypes.Of<BFloat16>());
        Assert.Equal(TensorElementType.Int8, TensorElementTypes.Of<sbyte>());
        Assert.Equal(TensorElementType.Int16, TensorElementTypes.Of<short>());
        Assert.Equal(TensorElementType.Int32, TensorElementTypes.Of<int>());
        Assert.Equal(TensorElementType.Int64, TensorElementTypes.Of<long>());
        Assert.Equal(TensorElementType.UInt8, TensorElementTypes.Of<byte>());
        Assert.Equal(TensorElementType.UInt16, TensorElementTypes.Of<ushort>());
        Assert.Equal(TensorElementType.UInt32, TensorElementTypes.Of<uint>());
        Assert.Equal(TensorElementType.UInt64, TensorElementTypes.Of<ulong>());
        Assert.Equal(TensorElementType.Bool, TensorElementTypes.Of<bool>());
    }

    [Fact]
    public void Of_TypeWithoutOnnxEquivalent_ThrowsNotSupported()
    {
        Assert.Throws<NotSupportedException>(() => TensorElementTypes.Of<char>());
        Assert.Throws<NotSupportedException>(() => TensorElementTypes.Of<decimal>());
    }

    [Theory]
    [InlineData(TensorElementTypes.Undefined)]
    [InlineData(TensorElementType.Complex64)]
    [InlineData(TensorElementType.Complex128)]
    public void IsSupported_TypesWithoutABindingRepresentation_IsFalse(TensorElementType type)
    {
        Assert.False(TensorElementTypes.IsSupported(type));
        Assert.Equal(0, TensorElementTypes.SizeOf(type));
    }

    /// <summary>Runs <paramref name="values"/> (a multiple of 3) through identity_<paramref name="typeName"/> and compares bits.</summary>
    private static void AssertRoundTrip<T>(string typeName, T[] values) where T : unmanaged
    {
        using var session = TestModels.Open(TestModels.Identity(typeName));
        using var input = InputTensor.Rent("x", TensorElementTypes.Of<T>(), [values.Length / 3, 3]);
        values.CopyTo(input.GetData<T>());
        using var x = input.CreateOrtValue();

        using var outputs = session.RunOwned(["x"], [x], ["y"]);

        var y = OutputTensor.Whole(outputs[0]);
        Assert.Equal(TensorElementTypes.Of<T>(), y.ElementType);
        Assert.Equal([values.Length / 3L, 3L], y.Shape);
        // Bitwise: NaN payloads, the sign of zero and subnormals must all survive.
        Assert.Equal(MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), outputs[0].GetTensorMutableRawData().ToArray());
        Assert.Equal(values, y.GetTensorData<T>().ToArray());
    }
}
