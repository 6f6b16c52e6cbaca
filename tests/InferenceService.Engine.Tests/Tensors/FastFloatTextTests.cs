using System.Globalization;
using System.Text;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InferenceService.Engine.Tests.Tensors.TestJson;

namespace InferenceService.Engine.Tests.Tensors;

/// <summary>The fast float path must agree bit for bit with the runtime's parser wherever it answers.</summary>
public class FastFloatTextTests
{
    /// <summary>Random JSON number text: 1 to 17 digits split around a point, with or without an exponent.</summary>
    private static string RandomNumber(Random random)
    {
        var text = new StringBuilder();
        if (random.Next(2) == 0)
        {
            text.Append('-');
        }
        var integerDigits = random.Next(1, 10);
        text.Append(random.Next(4) == 0 ? "0" : random.Next(1, 10).ToString(CultureInfo.InvariantCulture));
        for (var i = 1; i < integerDigits && text[^1] != '0'; i++)
        {
            text.Append((char)('0' + random.Next(10)));
        }
        var fractionDigits = random.Next(0, 12);
        if (fractionDigits > 0)
        {
            text.Append('.');
            for (var i = 0; i < fractionDigits; i++)
            {
                text.Append((char)('0' + random.Next(10)));
            }
        }
        if (random.Next(3) == 0)
        {
            text.Append(random.Next(2) == 0 ? 'e' : 'E').Append(random.Next(3) switch { 0 => "-", 1 => "+", _ => "" }).Append(random.Next(0, 45));
        }
        return text.ToString();
    }

    [Fact]
    public void TryParseDouble_RandomNumbers_MatchesRuntimeParser()
    {
        var random = new Random(20240601);
        var fast = 0;
        for (var n = 0; n < 200_000; n++)
        {
            var text = RandomNumber(random);
            if (FastFloatText.TryParseDouble(Encoding.ASCII.GetBytes(text), out var value))
            {
                fast++;
                Assert.True(BitConverter.DoubleToUInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)) == BitConverter.DoubleToUInt64Bits(value), text);
            }
        }
        Assert.InRange(fast, 100_000, 200_000); // the fast path is the common case, or this test proves little
    }

    /// <summary>Random JSON number text of 15 to 40 significant digits, as clients write doubles and float32s widened to double.</summary>
    private static string RandomLongNumber(Random random)
    {
        var text = new StringBuilder(random.Next(2) == 0 ? "-" : "");
        text.Append(random.Next(3) == 0 ? "0." : $"{random.Next(1, 10)}.");
        for (int i = 0, digits = random.Next(15, 41); i < digits; i++)
        {
            text.Append((char)('0' + random.Next(10)));
        }
        return random.Next(2) == 0 ? text.ToString() : text.Append(CultureInfo.InvariantCulture, $"e{random.Next(-330, 330)}").ToString();
    }

    [Fact]
    public void ParseSingleAndDouble_LongNumbers_MatchTheRuntimeParserOrAreOutOfRange()
    {
        var random = new Random(20261201);
        for (var n = 0; n < 100_000; n++)
        {
            var text = RandomLongNumber(random);
            var utf8 = Encoding.ASCII.GetBytes(text);
            var single = float.Parse(text, CultureInfo.InvariantCulture);
            Assert.Equal(float.IsFinite(single), FastFloatText.ParseSingle(utf8, out var parsedSingle));
            Assert.True(!float.IsFinite(single) || BitConverter.SingleToUInt32Bits(single) == BitConverter.SingleToUInt32Bits(parsedSingle), text);
            var wide = double.Parse(text, CultureInfo.InvariantCulture);
            Assert.Equal(double.IsFinite(wide), FastFloatText.ParseDouble(utf8, out var parsedWide));
            Assert.True(!double.IsFinite(wide) || BitConverter.DoubleToUInt64Bits(wide) == BitConverter.DoubleToUInt64Bits(parsedWide), text);
        }
    }

    [Theory]
    [InlineData("0.25]", 4)]
    [InlineData("-1e5, 2", 4)]
    [InlineData("123.5e-2x", 8)]
    [InlineData("12345678901234567890 ", 20)]
    public void TryParsePrefix_NumberBeforeOtherText_MeasuresTheNumberOnly(string text, int length)
    {
        var fast = FastFloatText.TryParsePrefix(Encoding.ASCII.GetBytes(text), out var value, out var measured);
        Assert.Equal(length, measured);
        Assert.Equal(length < 20, fast);
        if (fast)
        {
            Assert.Equal(double.Parse(text[..length], CultureInfo.InvariantCulture), value);
        }
    }

    [Fact]
    public void TryParseSingle_RandomNumbers_MatchesRuntimeParser()
    {
        var random = new Random(20240602);
        var fast = 0;
        for (var n = 0; n < 200_000; n++)
        {
            var text = RandomNumber(random);
            if (FastFloatText.TryParseSingle(Encoding.ASCII.GetBytes(text), out var value))
            {
                fast++;
                Assert.True(BitConverter.SingleToUInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)) == BitConverter.SingleToUInt32Bits(value), text);
            }
        }
        Assert.InRange(fast, 100_000, 200_000);
    }

    [Fact]
    public void TryParseSingle_ShortDecimals_TakenInOneFloatOperationAndMatchRuntimeParser()
    {
        // Model data as CSV and JSON carry it: a few digits, a point, perhaps a small exponent. Every such number is
        // taken by the fast path (at most 7 digits, a power of ten within 10^10), and rounds as the runtime's parser.
        var random = new Random(20261203);
        var zeroPointCells = 0;
        for (var n = 0; n < 200_000; n++)
        {
            // Up to 7 digits with the point k places from the right, padded so that 1234 at k = 4 reads 0.1234.
            var digits = random.Next(1, (int)Math.Pow(10, random.Next(1, 8))).ToString(CultureInfo.InvariantCulture);
            var k = random.Next(0, 7);
            var padded = digits.PadLeft(k + 1, '0');
            var text = (random.Next(2) == 0 ? "-" : "") + (k == 0 ? padded : padded[..^k] + "." + padded[^k..]);
            if (random.Next(4) == 0)
            {
                text += "e" + random.Next(-4, 5).ToString(CultureInfo.InvariantCulture);
            }
            zeroPointCells += text.TrimStart('-').StartsWith("0.", StringComparison.Ordinal) ? 1 : 0;
            Assert.True(FastFloatText.TryParseSingle(Encoding.ASCII.GetBytes(text), out var value), text);
            Assert.True(BitConverter.SingleToUInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)) == BitConverter.SingleToUInt32Bits(value), text);
        }
        Assert.InRange(zeroPointCells, 10_000, 200_000); // the dataset's own form, 0.1234, is among them
    }

    [Theory]
    [InlineData("16777216", true)] // 2^24: still an exact float significand
    [InlineData("0.0000000001", true)] // 10^-10: the smallest power of ten one float operation takes
    [InlineData("16777217", false)] // 2^24 + 1: its double is halfway between two floats, so the exact parser decides
    public void TryParseSingle_EdgesOfTheFloatFastPath_TakenOrLeftToTheExactParser(string text, bool taken)
    {
        Assert.Equal(taken, FastFloatText.TryParseSingle(Encoding.ASCII.GetBytes(text), out var value));
        if (taken)
        {
            Assert.Equal(float.Parse(text, CultureInfo.InvariantCulture), value);
        }
    }

    [Theory]
    [InlineData("9.57024335861206")]
    [InlineData("5.60024238879146E+017")]
    public void TryParseSingle_DoubleOnFloatMidpoint_FallsBack(string text)
    {
        // These decimals are not float midpoints, but their nearest double is one; rounding that double to float
        // (ties to even) would go the wrong way.
        Assert.True(FastFloatText.TryParseDouble(Encoding.ASCII.GetBytes(text), out var wide));
        Assert.NotEqual(float.Parse(text, CultureInfo.InvariantCulture), (float)wide);
        Assert.False(FastFloatText.TryParseSingle(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void DecodeNested_DoubleOnFloatMidpoint_RoundsCorrectly()
    {
        using var tensor = JsonTensorDecoder.DecodeNested("x", Parse("[9.57024335861206, 5.60024238879146E+017]"), TensorElementType.Float);
        Assert.Equal([9.570243f, 5.6002426E+17f], tensor.GetData<float>().ToArray());
    }

    [Theory]
    [InlineData("1234567890123456")] // 16 significant digits
    [InlineData("1e23")]
    [InlineData("1e-23")]
    [InlineData("1.5e10000")]
    [InlineData("10000000000000000000000000000000000000000000000000000000000000000")] // 10^64: its digits wrap a 64-bit significand to 0
    [InlineData("-0.10000000000000000000000000000000000000000000000000000000000000000e5")]
    public void TryParseDouble_OutsideFastRange_FallsBack(string text) =>
        Assert.False(FastFloatText.TryParseDouble(Encoding.ASCII.GetBytes(text), out _));

    [Theory]
    [InlineData("0", 0.0)]
    [InlineData("-0.0", -0.0)]
    [InlineData("0.0000000000000000001", 1e-19)]
    [InlineData("123456789012345e7", 1.23456789012345e21)]
    [InlineData("-0.5E+1", -5.0)]
    public void TryParseDouble_FastRange_Exact(string text, double expected)
    {
        Assert.True(FastFloatText.TryParseDouble(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(BitConverter.DoubleToUInt64Bits(expected), BitConverter.DoubleToUInt64Bits(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("+1")]
    [InlineData(".5")]
    [InlineData("1.")]
    [InlineData("01")]
    [InlineData("-01.5")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("1E-")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1.5x")]
    [InlineData("0x10")]
    [InlineData("1,5")]
    public void TryParseDouble_NotOneJsonNumber_Refuses(string text) =>
        Assert.False(FastFloatText.TryParseDouble(Encoding.ASCII.GetBytes(text), out _));

    [Fact]
    public void TryParseDouble_RandomText_TakesExactlyTheNumbersTheGrammarAndTheFastPathTake()
    {
        // Short strings over the number grammar's alphabet and a few strangers: mostly not numbers, some of them are.
        const string alphabet = "0123456789.-+eE 0x1";
        var random = new Random(5);
        var numbers = 0;
        for (var n = 0; n < 300_000; n++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 9)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var utf8 = Encoding.ASCII.GetBytes(text);
            var expected = JsonNumberText.IsNumber(utf8) && FastFloatText.TryParsePrefix(utf8, out _, out _);
            Assert.True(expected == FastFloatText.TryParseDouble(utf8, out var value), text);
            if (expected)
            {
                numbers++;
                Assert.Equal(BitConverter.DoubleToUInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), BitConverter.DoubleToUInt64Bits(value));
            }
        }
        Assert.True(numbers > 10_000, $"only {numbers} numbers among the random strings");
    }
}
