using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InferenceService.Engine.Tests.Tensors.TestJson;

namespace InferenceService.Engine.Tests.Tensors;

/// <summary>BF16 values are rounded from the decimal text once, ties to even, even where the nearest double is a tie.</summary>
public class BFloat16RoundingTests
{
    // The exact midpoint between the smallest positive BF16 subnormal (2^-133) and zero: 2^-134.
    private const string SubnormalMidpoint =
        "0.00000000000000000000000000000000000000004591774807899560578002877098524397178979162331140966880893561352650067419745028018951416015625";

    // The exact midpoint between the largest BF16 (0x7F7F) and infinity.
    private const string OverflowMidpoint = "339617752923046005526922703901628039168";

    private static ushort Bits(string number)
    {
        using var tensor = JsonTensorDecoder.DecodeNested("x", Parse(number), TensorElementType.BFloat16);
        return tensor.GetData<BFloat16>()[0].value;
    }

    [Theory]
    [InlineData("1.00390625", 0x3F80)] // a tie: to even, down to 1
    [InlineData("1.01171875", 0x3F82)] // a tie: to even, up to 1.015625
    [InlineData("1.00390625000000000000001", 0x3F81)] // a hair above the tie, which the nearest double loses
    [InlineData("1.00390624999999999999999", 0x3F80)] // a hair below
    [InlineData("1.01171874999999999999999", 0x3F81)]
    [InlineData("-1.00390625000000000000001", 0xBF81)]
    [InlineData("100390625000000000000001e-23", 0x3F81)]
    [InlineData("1.0039062500000002", 0x3F81)] // above the tie as a double too: rounding through float would lose it
    [InlineData("0.1", 0x3DCD)]
    [InlineData("-0.0", 0x8000)]
    [InlineData("3.3895313892515355e38", 0x7F7F)] // the largest BF16
    public void Decode_BFloat16_RoundsDecimalOnce(string number, int expected) => Assert.Equal(expected, Bits(number));

    [Fact]
    public void Decode_BFloat16BelowOverflowTie_RoundsToLargest() =>
        Assert.Equal(0x7F7F, Bits(OverflowMidpoint[..^1] + "7.99999999999999999999"));

    [Fact]
    public void Decode_BFloat16TieAtOverflow_IsOutOfRange() =>
        AssertInvalid($"Input 'x': {OverflowMidpoint} is out of range for BF16 (-3.3895314E+38..3.3895314E+38).", () => Bits(OverflowMidpoint));

    [Fact]
    public void Decode_BFloat16SubnormalTie_RoundsToEvenZero() => Assert.Equal(0x0000, Bits(SubnormalMidpoint));

    [Fact]
    public void Decode_BFloat16JustAboveSubnormalTie_RoundsUp() => Assert.Equal(0x0001, Bits(SubnormalMidpoint + "000001"));

    [Fact]
    public void Decode_BFloat16TieWithHundredsOfDigits_DecidesByTheLastDigit()
    {
        Assert.Equal(0x3F80, Bits("1.00390625" + new string('0', 500)));
        Assert.Equal(0x3F81, Bits("1.00390625" + new string('0', 500) + "1"));
        Assert.Equal(0x3F80, Bits("1.00390624" + new string('9', 500)));
    }
}
