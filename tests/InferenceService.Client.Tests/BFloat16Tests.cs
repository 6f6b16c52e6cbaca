namespace InferenceService.Client.Tests;

public sealed class BFloat16Tests
{
    [Theory]
    [InlineData(1.5f, 0x3FC0)]
    [InlineData(-2f, 0xC000)]
    [InlineData(256f, 0x4380)]
    [InlineData(float.PositiveInfinity, 0x7F80)]
    [InlineData(float.NegativeInfinity, 0xFF80)]
    public void FromSingle_ExactValue_KeepsItsUpperBits(float value, int bits)
    {
        Assert.Equal((ushort)bits, BFloat16.FromSingle(value).Bits);
        Assert.Equal(value, BFloat16.FromSingle(value).ToSingle());
    }

    [Fact]
    public void FromSingle_HalfwayBetweenTwoValues_RoundsToEven()
    {
        // 1 + 2^-8 lies halfway between 1 (mantissa even) and 1 + 2^-7 (odd): it goes to 1.
        Assert.Equal(1f, BFloat16.FromSingle(1f + MathF.Pow(2, -8)).ToSingle());
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): it goes up.
        Assert.Equal(1f + MathF.Pow(2, -6), BFloat16.FromSingle(1f + (3 * MathF.Pow(2, -8))).ToSingle());
    }

    [Fact]
    public void FromSingle_NaNWhoseMantissaIsInTheLowBits_StaysNaN()
    {
        var nan = BitConverter.UInt32BitsToSingle(0x7F800001);

        Assert.True(float.IsNaN(BFloat16.FromSingle(nan).ToSingle()));
    }
}
