namespace InferenceService.OnnxRuntime.Tests;

public class BFloat16Tests
{
    [Theory]
    [InlineData(1f, 0x3F80)]
    [InlineData(-2f, 0xC000)]
    [InlineData(0f, 0x0000)]
    [InlineData(-0f, 0x8000)]
    [InlineData(float.PositiveInfinity, 0x7F80)]
    [InlineData(float.NegativeInfinity, 0xFF80)]
    [InlineData(3.140625f, 0x4049)] // exactly representable
    public void FromSingle_ExactValues_KeepTheUpperSixteenBits(float value, int expectedBits)
    {
        var b = (BFloat16)value;

        Assert.Equal((ushort)expectedBits, b.Bits);
        Assert.Equal(BitConverter.SingleToUInt32Bits(value), BitConverter.SingleToUInt32Bits((float)b));
    }

    [Theory]
    [InlineData(0x3F808000u, 0x3F80)] // 1 + 2^-8: exactly halfway, rounds to the even neighbour (down)
    [InlineData(0x3F818000u, 0x3F82)] // 1 + 3*2^-8: exactly halfway, rounds to the even neighbour (up)
    [InlineData(0x3F808001u, 0x3F81)] // just above halfway: up
    [InlineData(0x3F807FFFu, 0x3F80)] // just below halfway: down
    [InlineData(0xBF808001u, 0xBF81)] // the same for a negative number
    [InlineData(0x7F7FFFFFu, 0x7F80)] // float.MaxValue rounds up to +infinity
    [InlineData(0x00000001u, 0x0000)] // the smallest float subnormal rounds to zero
    [InlineData(0x00018000u, 0x0002)] // a subnormal halfway case, to even
    public void FromSingle_InexactValues_RoundToNearestEven(uint floatBits, int expectedBits) =>
        Assert.Equal((ushort)expectedBits, ((BFloat16)BitConverter.UInt32BitsToSingle(floatBits)).Bits);

    [Theory]
    [InlineData(0x7FC00000u)] // the canonical quiet NaN
    [InlineData(0xFFC00000u)] // negative quiet NaN
    [InlineData(0x7F800001u)] // signalling NaN whose payload is only in the low bits: truncating would give infinity
    [InlineData(0xFF800001u)]
    [InlineData(0x7FFFFFFFu)] // all-ones payload: rounding up would carry into the sign
    public void FromSingle_NaN_StaysANaNWithItsSign(uint floatBits)
    {
        var b = (BFloat16)BitConverter.UInt32BitsToSingle(floatBits);

        Assert.True(float.IsNaN((float)b));
        Assert.Equal(floatBits >> 31, (uint)b.Bits >> 15);
        Assert.NotEqual(0, b.Bits & 0x0040); // quiet
    }

    [Fact]
    public void ToSingle_EveryBitPattern_ConvertsBackToTheSameBits()
    {
        for (var bits = 0; bits <= ushort.MaxValue; bits++)
        {
            var b = new BFloat16((ushort)bits);
            var f = b.ToSingle();
            Assert.Equal((uint)bits << 16, BitConverter.SingleToUInt32Bits(f));
            if (!float.IsNaN(f))
            {
                Assert.Equal(b, BFloat16.FromSingle(f));
            }
        }
    }

    [Fact]
    public void ToString_Value_IsTheInvariantFloatText()
    {
        Assert.Equal("-3.140625", ((BFloat16)(-3.140625f)).ToString());
        Assert.Equal("NaN", ((BFloat16)float.NaN).ToString());
    }

    [Fact]
    public void SizeOf_BFloat16_IsTwoBytes() => Assert.Equal(2, System.Runtime.CompilerServices.Unsafe.SizeOf<BFloat16>());
}
