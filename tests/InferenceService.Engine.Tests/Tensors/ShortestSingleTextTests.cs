using System.Globalization;
using System.Text;
using InferenceService.Engine.Tensors;

namespace InferenceService.Engine.Tests.Tensors;

public class ShortestSingleTextTests
{
    private static string Ours(float value)
    {
        var buffer = new byte[ShortestSingleText.MaxLength];
        return Encoding.ASCII.GetString(buffer, 0, ShortestSingleText.Format(value, buffer));
    }

    private static string Runtime(float value) => value.ToString(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(0f, "0")]
    [InlineData(-0f, "-0")]
    [InlineData(1f, "1")]
    [InlineData(0.1f, "0.1")]
    [InlineData(-1.1458442f, "-1.1458442")]
    [InlineData(123456790f, "123456790")] // nine places: still plain
    [InlineData(1e9f, "1E+09")] // ten: E notation
    [InlineData(0.0001f, "0.0001")]
    [InlineData(0.00001f, "1E-05")]
    [InlineData(1.5e-45f, "1E-45")] // the smallest subnormal
    [InlineData(3.4028235e38f, "3.4028235E+38")]
    [InlineData(1.17549435e-38f, "1.1754944E-38")] // the smallest normal
    [InlineData(16777216f, "16777216")]
    [InlineData(1.2345678e14f, "1.2345678E+14")]
    public void Format_KnownValues_WritesTheRuntimesText(float value, string text)
    {
        Assert.Equal(text, Ours(value));
        Assert.Equal(Runtime(value), Ours(value));
    }

    [Fact]
    public void Format_EveryPowerOfTenAndItsNeighbours_MatchesTheRuntime()
    {
        for (var power = -45; power <= 38; power++)
        {
            var bits = BitConverter.SingleToUInt32Bits(float.Parse($"1e{power}", CultureInfo.InvariantCulture));
            for (var step = -2; step <= 2; step++)
            {
                var value = BitConverter.UInt32BitsToSingle((uint)(bits + step));
                if (float.IsFinite(value))
                {
                    Assert.Equal(Runtime(value), Ours(value));
                }
            }
        }
    }

    [Fact]
    public void Format_EveryPowerOfTwoAndItsNeighbours_MatchesTheRuntime()
    {
        // Where the rounding interval is lopsided (a mantissa of zero) and where subnormals begin.
        for (var exponent = 0u; exponent < 255; exponent++)
        {
            foreach (var mantissa in new uint[] { 0, 1, 2, 0x7FFFFF, 0x7FFFFE, 0x400000 })
            {
                var value = BitConverter.UInt32BitsToSingle((exponent << 23) | mantissa);
                Assert.Equal(Runtime(value), Ours(value));
                Assert.Equal(Runtime(-value), Ours(-value));
            }
        }
    }

    [Fact]
    public void Format_RandomBitPatterns_MatchesTheRuntime()
    {
        // Every exponent, uniformly: random bits rather than random values in a range.
        var random = new Random(20261201);
        var compared = 0;
        while (compared < 1_000_000)
        {
            var value = BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32));
            if (!float.IsFinite(value))
            {
                continue;
            }
            var ours = Ours(value);
            if (ours != Runtime(value))
            {
                Assert.Fail($"{BitConverter.SingleToUInt32Bits(value):X8}: runtime {Runtime(value)}, ours {ours}");
            }
            compared++;
        }
    }

    [Fact]
    public void Format_ModelOutputsInTheUsualRange_ReadBackAsTheSameFloat()
    {
        var random = new Random(7);
        for (var n = 0; n < 200_000; n++)
        {
            var value = (random.NextSingle() * 20) - 10;
            var text = Ours(value);
            Assert.Equal(BitConverter.SingleToUInt32Bits(value), BitConverter.SingleToUInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)));
            Assert.Equal(Runtime(value), text);
        }
    }
}
