using System.Text;
using System.Text.Json;
using InferenceService.Contracts;
using InferenceService.Engine;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>
/// The inputs' flat number arrays lifted out of an Open Inference Protocol body before it is parsed: which arrays are
/// lifted, the lighter body the parser sees, and that a body reads the same with and without lifting (values,
/// positions in messages, syntax errors).
/// </summary>
public class LiftedInputDataTests
{
    [Fact]
    public void Find_OnlyTheInputsFlatNumberData_IsLifted()
    {
        const string body = """
            {"id": "data", "parameters": {"data": [1, 2]},
             "inputs": [
               {"name": "a", "shape": [3], "datatype": "FP32", "data": [1.5, -2, 3e1], "parameters": {"data": [4]}},
               {"name": "b", "shape": [1, 2], "datatype": "FP32", "data": [[1, 2]]},
               {"name": "c \"data\": [9]", "shape": [2], "datatype": "INT64", "data" : [ 7 , 8 ]},
               {"name": "d", "shape": [1], "datatype": "BYTES", "data": ["x"]},
               {"name": "e", "shape": [0], "datatype": "FP32", "data": []},
               {"name": "\\", "shape": [1], "datatype": "FP32", "data": [6]}
             ],
             "outputs": [{"name": "y", "data": [5]}]}
            """;
        var expected = body
            .Replace("\"data\": [1.5, -2, 3e1]", "\"data\": []", StringComparison.Ordinal)
            .Replace("\"data\" : [ 7 , 8 ]", "\"data\" : []", StringComparison.Ordinal)
            .Replace("\"data\": [6]", "\"data\": []", StringComparison.Ordinal);
        Assert.Equal(expected, Compacted(body, InputDataLayout.Protocol));
    }

    [Fact]
    public void Find_SimpleApi_OnlyTheInputsRectangularNumberArrays_AreLifted()
    {
        const string body = """
            {"model": "m", "parameters": {"x": [1]},
             "inputs": {"a": [[1, 2], [3, 4]], "b": [[1], [2, 3]], "c": "[1]", "d": [1.5], "e": [[1], 2], "f": []},
             "outputs": ["a"], "x": {"inputs": {"g": [1]}}}
            """;
        var expected = body
            .Replace("\"a\": [[1, 2], [3, 4]]", "\"a\": []", StringComparison.Ordinal)
            .Replace("\"d\": [1.5]", "\"d\": []", StringComparison.Ordinal);
        Assert.Equal(expected, Compacted(body, InputDataLayout.Simple));
        Assert.Null(LiftedInputData.Find(Encoding.UTF8.GetBytes("""{"inputs": [{"data": [1, 2]}]}"""), InputDataLayout.Simple, 64));
        Assert.Null(LiftedInputData.Find(Encoding.UTF8.GetBytes("""{"inputs": {"a": [1, 2]}}"""), InputDataLayout.Protocol, 64));
    }

    [Fact]
    public void Find_SimpleApi_DeeperThanTheDocumentMayBe_LeftInTheBody()
    {
        // The root object and $.inputs are two levels; the array's three make five.
        var json = Encoding.UTF8.GetBytes("""{"inputs": {"a": [[[1]]]}}""");
        Assert.Null(LiftedInputData.Find(json, InputDataLayout.Simple, 4));
        Assert.NotNull(LiftedInputData.Find(json, InputDataLayout.Simple, 5));
    }

    [Theory]
    [InlineData("""{"inputs": {"data": [1, 2]}}""")]
    [InlineData("""{"outer": {"inputs": [{"data": [1, 2]}]}}""")]
    [InlineData("""{"inputs": [[{"data": [1, 2]}]]}""")]
    [InlineData("""{"inputs": [{"d\u0061ta": [1, 2]}]}""")]
    [InlineData("""{"inputs": [{"x": {"data": [1, 2]}}]}""")]
    [InlineData("""{"inputs": [{"data": [1, 2,]}]}""")]
    [InlineData("""{"inputs": [{"name": "\"data\": [1]"}]}""")]
    public void Find_AnyOtherArray_LeftInTheBody(string body) =>
        Assert.Null(LiftedInputData.Find(Encoding.UTF8.GetBytes(body), InputDataLayout.Protocol, 64));

    [Fact]
    public void Parse_Lifted_TheSameDocumentWithTheNumbersBesideIt()
    {
        const string body = """{"inputs":[{"name":"a","shape":[2],"datatype":"FP32","data":[0.25, 1e2]},{"name":"b","shape":[1],"datatype":"FP32","data":[3]}],"outputs":[{"name":"y"}]}""";
        using var plain = RequestBodyDocument.Parse(Encoding.UTF8.GetBytes(body));
        using var lifted = RequestBodyDocument.Parse(Encoding.UTF8.GetBytes(body), liftInputData: InputDataLayout.Protocol);
        var inputs = lifted.Root.GetProperty("inputs");
        string[] texts = ["[0.25, 1e2]", "[3]"];
        for (var i = 0; i < texts.Length; i++)
        {
            var data = inputs[i].GetProperty("data");
            Assert.Equal(0, data.GetArrayLength());
            var numbers = lifted.NumberArrayOf(data);
            Assert.NotNull(numbers);
            Assert.Equal(texts[i], Encoding.UTF8.GetString(numbers.Value.Text.Span));
            Assert.Equal(plain.Root.GetProperty("inputs")[i].GetProperty("data").GetArrayLength(), numbers.Value.Count);
            Assert.Null(plain.NumberArrayOf(plain.Root.GetProperty("inputs")[i].GetProperty("data")));
        }
        Assert.Null(lifted.NumberArrayOf(lifted.Root.GetProperty("inputs")[0].GetProperty("shape")));
        Assert.Equal(plain.Root.GetProperty("outputs").GetRawText(), lifted.Root.GetProperty("outputs").GetRawText());
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"a","data":[1, 2, 3]}],"outputs":[1,}""")]
    [InlineData("""{"inputs":[{"name":"a","data":[1, 2, 3]}],""")]
    [InlineData("""{"inputs":[{"name":"a","data":[1, 2, 3]}]}x""")]
    [InlineData("{\"inputs\":[{\"name\":\"a\",\n  \"data\":[1, 2, 3]},\n  {\"data\": [4, 5] \"x\": 1}]}")]
    public void Parse_InvalidBody_TheSameErrorWithAndWithoutLifting(string body)
    {
        var plain = Assert.Throws<InferenceException>(() => RequestBodyDocument.Parse(Encoding.UTF8.GetBytes(body)).Dispose());
        var lifted = Assert.Throws<InferenceException>(() => RequestBodyDocument.Parse(Encoding.UTF8.GetBytes(body), liftInputData: InputDataLayout.Protocol).Dispose());
        Assert.NotNull(LiftedInputData.Find(Encoding.UTF8.GetBytes(body), InputDataLayout.Protocol, 64));
        Assert.Equal(plain.Message, lifted.Message);
        Assert.Contains("byte", lifted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TooDeepAfterLiftedData_RefusedAsTheBodyIs()
    {
        var body = """{"inputs":[{"data":[1,2,3]}],"x":""" + new string('[', 70) + new string(']', 70) + "}";
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body).Dispose());
        var lifted = Assert.Throws<InferenceException>(() => RequestBodyDocument.Parse(Encoding.UTF8.GetBytes(body), liftInputData: InputDataLayout.Protocol).Dispose());
        var plain = Assert.Throws<InferenceException>(() => RequestBodyDocument.Parse(Encoding.UTF8.GetBytes(body)).Dispose());
        Assert.Equal(plain.Message, lifted.Message);
    }

    /// <summary>The lighter body the parser sees, once the inputs' data is lifted out of <paramref name="body"/>.</summary>
    private static string Compacted(string body, InputDataLayout layout)
    {
        var json = Encoding.UTF8.GetBytes(body);
        var lifted = LiftedInputData.Find(json, layout, 64);
        Assert.NotNull(lifted);
        var compacted = new byte[lifted.CompactedLength];
        lifted.WriteCompacted(json, compacted);
        return Encoding.UTF8.GetString(compacted);
    }
}
