using System.Text;
using System.Text.Json;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InferenceService.Engine.Tests.Tensors.TestJson;

namespace InferenceService.Engine.Tests.Tensors;

/// <summary>
/// Number arrays, flat and nested, read from their text: the grammar check agrees with the JSON parser, and decoding
/// from the text gives the tensor, or the error, that decoding the parsed array gives, for every element type.
/// </summary>
public class JsonNumberArrayTests
{
    [Theory]
    [InlineData("[0]", 1)]
    [InlineData("[-0, 0.5, 1e3, 1E+3, 1e-3, -12.25e2]", 6)]
    [InlineData("[ 1 ,\n2\t,3 ]", 3)]
    [InlineData("[123456789012345678901234567890]", 1)]
    public void TryMeasure_FlatNumbers_CountsThemAsTheParserDoes(string text, int count)
    {
        var utf8 = Encoding.UTF8.GetBytes(text + ", \"after\"");
        Assert.True(JsonNumberArray.TryMeasure(utf8, 0, 1, out var end, out var shape, out var measured));
        Assert.Equal(count, measured);
        Assert.Equal([count], shape);
        Assert.Equal(text.Length, end);
        using var document = JsonDocument.Parse(text);
        Assert.Equal(count, document.RootElement.GetArrayLength());
    }

    [Theory]
    [InlineData("[01]")]
    [InlineData("[+1]")]
    [InlineData("[-]")]
    [InlineData("[1.]")]
    [InlineData("[.5]")]
    [InlineData("[1e]")]
    [InlineData("[1e+]")]
    [InlineData("[1,]")]
    [InlineData("[,1]")]
    [InlineData("[1,,2]")]
    [InlineData("[1 2]")]
    [InlineData("[1")]
    [InlineData("[1,")]
    [InlineData("[NaN]")]
    [InlineData("[0x10]")]
    [InlineData("[-Infinity]")]
    public void TryMeasure_NotJsonNumbers_Refused(string text)
    {
        Assert.False(JsonNumberArray.TryMeasure(Encoding.UTF8.GetBytes(text), 0, 64, out _, out _, out _));
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(text).Dispose());
    }

    [Theory]
    [InlineData("[]")] // empty: nothing to gain, the document measures it
    [InlineData("[ \t\r\n]")]
    [InlineData("[[1, 2]]")] // deeper than the one level asked for
    [InlineData("[\"NaN\", 1]")]
    [InlineData("[true]")]
    [InlineData("[null]")]
    [InlineData("[1, {}]")]
    public void TryMeasure_OtherValidArrays_LeftToTheParser(string text)
    {
        Assert.False(JsonNumberArray.TryMeasure(Encoding.UTF8.GetBytes(text), 0, 1, out _, out _, out _));
        JsonDocument.Parse(text).Dispose();
    }

    [Theory]
    [InlineData("[1]", new long[] { 1 })]
    [InlineData("[[1, 2], [3, 4], [5, 6]]", new long[] { 3, 2 })]
    [InlineData("[ [ [1] ,[2] ] , [[3],[ 4]] ]", new long[] { 2, 2, 1 })]
    public void TryMeasure_NestedRectangular_TheNestingIsTheShape(string text, long[] shape)
    {
        var utf8 = Encoding.UTF8.GetBytes(text + "}");
        Assert.True(JsonNumberArray.TryMeasure(utf8, 0, 64, out var end, out var measured, out var count));
        Assert.Equal(text.Length, end);
        Assert.Equal(shape, measured);
        Assert.Equal(shape.Aggregate(1L, (a, b) => a * b), count);
        Assert.Equal(shape, JsonTensorDecoder.MeasureNested("x", Parse(text)).Shape);
    }

    [Theory]
    [InlineData("[]")] // empty: the document path measures it
    [InlineData("[[1, 2], []]")]
    [InlineData("[[1, 2], [3]]")] // ragged
    [InlineData("[[1, 2], 3]")] // numbers at two depths
    [InlineData("[1, [2]]")]
    [InlineData("[[1], [\"2\"]]")]
    [InlineData("[[1,], [2]]")]
    [InlineData("[[1] [2]]")]
    [InlineData("[[01]]")]
    [InlineData("[[1]")]
    public void TryMeasure_NestedAnythingElse_LeftToTheDocument(string text) =>
        Assert.False(JsonNumberArray.TryMeasure(Encoding.UTF8.GetBytes(text), 0, 64, out _, out _, out _));

    [Fact]
    public void TryMeasure_NestedDeeperThanAllowed_LeftToTheDocument()
    {
        var utf8 = Encoding.UTF8.GetBytes("[[[1]]]");
        Assert.False(JsonNumberArray.TryMeasure(utf8, 0, 2, out _, out _, out _));
        Assert.True(JsonNumberArray.TryMeasure(utf8, 0, 3, out _, out _, out _));
    }

    public static TheoryData<TensorElementType, string> NestedArrays() => ForEveryType(
        "[[0.1, -2.5, 3], [1e-7, 6.02214076e23, -0.0]]",
        "[[[1.00000005960464477539062500]], [[3.5e38]]]",
        "[[0, 255], [-1, 2.5]]");

    [Theory]
    [MemberData(nameof(NestedArrays))]
    public void DecodeNested_FromText_SameTensorOrErrorAsFromTheDocument(TensorElementType type, string array)
    {
        var utf8 = Encoding.UTF8.GetBytes(array);
        Assert.True(JsonNumberArray.TryMeasure(utf8, 0, 64, out var end, out var shape, out var count));
        var numbers = new JsonNumberArray(utf8.AsMemory(0, end), shape, count);
        var expected = Outcome(() => JsonTensorDecoder.Decode("x", Parse(array), type, JsonTensorDecoder.MeasureNested("x", Parse(array))));
        var actual = Outcome(() => JsonTensorDecoder.Decode("x", numbers, type, JsonTensorDecoder.MeasureNested("x", numbers)));
        Assert.Equal(expected, actual);
    }

    public static TheoryData<TensorElementType, string> Arrays() => ForEveryType(
        "[0.1, -2.5, 3, 1e-7, 6.02214076e23, -0.0, 123456789.123456789]",
        "[1.00000005960464477539062500]", // halfway between two floats: ties to even, read exactly
        "[1.4e-45, 1e-46, 3.4028235e38]", // float subnormal, below it, the largest float
        "[3.5e38]", // beyond FP32, within FP64
        "[1e309]", // beyond FP64
        "[1" + new string('0', 64) + ", -0.5" + new string('0', 70) + "1]", // digits that wrap a 64-bit significand
        "[0, 1, 127, -128, 255, 65535, -32768, 4294967295, 9223372036854775807, 18446744073709551615]",
        "[2.5]",
        "[1, 0]");

    /// <summary>Each array with each element type the decoder takes.</summary>
    private static TheoryData<TensorElementType, string> ForEveryType(params string[] arrays)
    {
        var data = new TheoryData<TensorElementType, string>();
        foreach (var type in Enum.GetValues<TensorElementType>().Where(JsonTensorDecoder.CanDecode))
        {
            foreach (var array in arrays)
            {
                data.Add(type, array);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Arrays))]
    public void Decode_FromText_SameTensorOrErrorAsFromTheDocument(TensorElementType type, string array)
    {
        var utf8 = Encoding.UTF8.GetBytes(array);
        Assert.True(JsonNumberArray.TryMeasure(utf8, 0, 1, out var end, out var shape, out var count));
        var numbers = new JsonNumberArray(utf8.AsMemory(0, end), shape, count);
        var expected = Outcome(() => JsonTensorDecoder.Decode("x", Parse(array), type, JsonTensorDecoder.MeasureWithShape("x", Parse(array), shape)));
        var actual = Outcome(() => JsonTensorDecoder.Decode("x", numbers, type, JsonTensorDecoder.MeasureWithShape("x", numbers, shape)));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void MeasureWithShape_CountDiffers_SameErrorAsFromTheDocument()
    {
        const string array = "[1, 2, 3]";
        var numbers = new JsonNumberArray(Encoding.UTF8.GetBytes(array), [3], 3);
        var expected = Outcome(() => JsonTensorDecoder.Decode("x", Parse(array), TensorElementType.Float, JsonTensorDecoder.MeasureWithShape("x", Parse(array), [2, 2])));
        var actual = Outcome(() => JsonTensorDecoder.Decode("x", numbers, TensorElementType.Float, JsonTensorDecoder.MeasureWithShape("x", numbers, [2, 2])));
        Assert.StartsWith("error: Input 'x' has shape [2, 2], which holds 4 elements, but 3 were given", expected, StringComparison.Ordinal);
        Assert.Equal(expected, actual);
    }

    /// <summary>The tensor's element bytes and shape, or the client error's message.</summary>
    private static string Outcome(Func<InputTensor> decode)
    {
        try
        {
            using var tensor = decode();
            var bytes = tensor.ElementType == TensorElementType.String ? "" : Convert.ToHexString(tensor.Data.Span);
            return $"{tensor.ElementType} [{string.Join(",", tensor.Shape)}] {bytes}";
        }
        catch (InferenceException e) when (e.Kind == InferenceErrorKind.InvalidInput)
        {
            return "error: " + e.Message;
        }
    }
}
