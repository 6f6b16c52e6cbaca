using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>
/// Every element type through a real model and both APIs: the identity models (x [batch, 3] → y) return what they
/// were given, so what comes back is what the server decoded, ran and encoded. Edge values included: integer limits,
/// UINT64's maximum, NaN and the infinities as the strings "NaN", "Infinity", "-Infinity", and non-ASCII text.
/// </summary>
public class DataTypeRoundTripTests(IdentityModelsFixture service) : IClassFixture<IdentityModelsFixture>
{
    private readonly HttpClient _client = service.Client;

    /// <summary>Model element type, protocol datatype, the [2, 3] input as nested JSON, what must come back.</summary>
    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "bool", "BOOL", """[[true, false, true], [false, false, true]]""", """[[true, false, true], [false, false, true]]""" },
        { "uint8", "UINT8", """[[0, 255, 1], [2, 128, 254]]""", """[[0, 255, 1], [2, 128, 254]]""" },
        { "uint16", "UINT16", """[[0, 65535, 1], [2, 32768, 65534]]""", """[[0, 65535, 1], [2, 32768, 65534]]""" },
        { "uint32", "UINT32", """[[0, 4294967295, 1], [2, 2147483648, 4294967294]]""", """[[0, 4294967295, 1], [2, 2147483648, 4294967294]]""" },
        { "uint64", "UINT64", """[[0, 18446744073709551615, 1], [9223372036854775808, 9007199254740993, 18446744073709551614]]""", """[[0, 18446744073709551615, 1], [9223372036854775808, 9007199254740993, 18446744073709551614]]""" },
        { "int8", "INT8", """[[-128, 127, 0], [1, -1, 3.0]]""", """[[-128, 127, 0], [1, -1, 3]]""" },
        { "int16", "INT16", """[[-32768, 32767, 0], [1, -1, 1e2]]""", """[[-32768, 32767, 0], [1, -1, 100]]""" },
        { "int32", "INT32", """[[-2147483648, 2147483647, 0], [1, -1, 2]]""", """[[-2147483648, 2147483647, 0], [1, -1, 2]]""" },
        { "int64", "INT64", """[[-9223372036854775808, 9223372036854775807, 0], [9007199254740993, -1, 2]]""", """[[-9223372036854775808, 9223372036854775807, 0], [9007199254740993, -1, 2]]""" },
        { "float16", "FP16", """[[65504, -65504, 0.5], [-2.25, "NaN", "-Infinity"]]""", """[[65504, -65504, 0.5], [-2.25, "NaN", "-Infinity"]]""" },
        { "bfloat16", "BF16", """[[1.5, -3.3895314e38, 256], [-0.0, "NaN", "Infinity"]]""", """[[1.5, -3.3895314e38, 256], [-0.0, "NaN", "Infinity"]]""" },
        { "float", "FP32", """[[1.5, -2, "NaN"], ["Infinity", "-Infinity", 3.4028235e38]]""", """[[1.5, -2, "NaN"], ["Infinity", "-Infinity", 3.4028235e38]]""" },
        { "double", "FP64", """[[0.1, -1.7976931348623157e308, 5e-324], ["NaN", "Infinity", "-Infinity"]]""", """[[0.1, -1.7976931348623157e308, 5e-324], ["NaN", "Infinity", "-Infinity"]]""" },
        { "string", "BYTES", """[["", "héllo wörld", "日本語"], ["a\"b\\c", "tab\there\nnewline", "😀 emoji"]]""", """[["", "héllo wörld", "日本語"], ["a\"b\\c", "tab\there\nnewline", "😀 emoji"]]""" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Predict_IdentityModel_ReturnsTheSameValues(string type, string datatype, string input, string expected)
    {
        _ = datatype;
        var response = await _client.PostJsonTextAsync("/predict", $$"""{ "model": "identity_{{type}}", "inputs": { "x": {{input}} } }""");

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal($"identity_{type}", body.GetProperty("model").GetString());
        Assert.Equal(["y"], body.GetProperty("outputs").EnumerateObject().Select(p => p.Name));
        JsonCompare.Equal(expected, body.GetProperty("outputs").GetProperty("y"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Infer_IdentityModel_ReturnsTheSameValuesFlatWithDatatypeAndShape(string type, string datatype, string input, string expected)
    {
        var response = await _client.PostJsonTextAsync($"/v2/models/identity_{type}/infer",
            $$"""{ "inputs": [{ "name": "x", "datatype": "{{datatype}}", "shape": [2, 3], "data": {{input}} }] }""");

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        var output = Assert.Single(body.GetProperty("outputs").EnumerateArray());
        Assert.Equal("y", output.GetProperty("name").GetString());
        Assert.Equal(datatype, output.GetProperty("datatype").GetString());
        Assert.Equal([2L, 3L], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        JsonCompare.Equal(Flatten(expected), output.GetProperty("data"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Infer_IdentityModelEmptyBatch_ReturnsEmptyTensor(string type, string datatype, string input, string expected)
    {
        _ = (input, expected);
        var response = await _client.PostJsonTextAsync($"/v2/models/identity_{type}/infer",
            $$"""{ "inputs": [{ "name": "x", "datatype": "{{datatype}}", "shape": [0, 3], "data": [] }] }""");

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        JsonCompare.Equal($$"""[{ "name": "y", "datatype": "{{datatype}}", "shape": [0, 3], "data": [] }]""", body.GetProperty("outputs"));
    }

    [Theory]
    [InlineData("float16", "FP16")]
    [InlineData("bfloat16", "BF16")]
    public async Task Infer_HalfPrecisionFiniteValues_AreJsonNumbersInAndOut(string type, string datatype)
    {
        var response = await _client.PostJsonTextAsync($"/v2/models/identity_{type}/infer",
            $$"""{ "inputs": [{ "name": "x", "datatype": "{{datatype}}", "shape": [1, 3], "data": [0.25, -8, 1024] }] }""");

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        var data = body.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().ToArray();
        Assert.All(data, d => Assert.Equal(JsonValueKind.Number, d.ValueKind));
        Assert.Equal([0.25, -8, 1024], data.Select(d => d.GetDouble()));
    }

    [Fact]
    public async Task Predict_NonAsciiStrings_ComeBackAsTheSameText()
    {
        string[] texts = ["Grüße", "Ελληνικά", "中文字符", "🙂👍🏽", "\u00e9 vs e\u0301"];
        var input = JsonSerializer.Serialize(new[] { texts[..3], [texts[3], texts[4], "plain"] });

        var response = await _client.PostJsonTextAsync("/predict", $$"""{ "model": "identity_string", "inputs": { "x": {{input}} } }""");

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        var y = body.GetProperty("outputs").GetProperty("y");
        Assert.Equal([.. texts, "plain"], y.EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(s => s.GetString()));
    }

    private static string Flatten(string nested)
    {
        using var document = JsonDocument.Parse(nested);
        var values = document.RootElement.EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(v => v.GetRawText());
        return "[" + string.Join(", ", values) + "]";
    }
}
