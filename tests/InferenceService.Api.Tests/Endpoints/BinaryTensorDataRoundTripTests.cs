using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>
/// The binary tensor data extension through every element type's identity model (x [batch, 3] → y): binary inputs
/// give the very tensors their JSON gives, and binary outputs carry back exactly the bytes that went in.
/// </summary>
public class BinaryTensorDataRoundTripTests(IdentityModelsFixture service) : IClassFixture<IdentityModelsFixture>
{
    private readonly HttpClient _client = service.Client;

    public static TheoryData<string, string, string> Cases
    {
        get
        {
            var cases = new TheoryData<string, string, string>();
            foreach (var row in DataTypeRoundTripTests.Cases)
            {
                cases.Add((string)row[0], (string)row[1], (string)row[2]);
            }
            return cases;
        }
    }

    private static string JsonInput(string datatype, string data) =>
        $$"""{ "inputs": [{ "name": "x", "datatype": "{{datatype}}", "shape": [2, 3], "data": {{data}} }] """;

    private static string BinaryInput(string datatype, int size, string rest = "") =>
        $$"""{ "inputs": [{ "name": "x", "datatype": "{{datatype}}", "shape": [2, 3], "parameters": { "binary_data_size": {{size}} } }]{{rest}} }""";

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Infer_BinaryInputOfAnyType_GivesTheTensorItsJsonGives(string type, string datatype, string input)
    {
        var path = $"/v2/models/identity_{type}/infer";
        // The server's own raw bytes of the JSON input: JSON in, binary out.
        var raw = (await BinaryInfer.ReadAsync(await _client.PostJsonTextAsync(path, JsonInput(datatype, input) + """, "parameters": { "binary_data_output": true } }"""))).Outputs["y"];
        var fromJson = await ResponseAssert.JsonAsync(await _client.PostJsonTextAsync(path, JsonInput(datatype, input) + "}"), HttpStatusCode.OK);

        var fromBinary = await ResponseAssert.JsonAsync(await _client.PostAsync(path, BinaryInput(datatype, raw.Length), raw), HttpStatusCode.OK);

        JsonCompare.Equal(fromJson.GetProperty("outputs").GetRawText(), fromBinary.GetProperty("outputs"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Infer_BinaryInAndOut_ReturnsTheSameBytes(string type, string datatype, string input)
    {
        var path = $"/v2/models/identity_{type}/infer";
        var raw = (await BinaryInfer.ReadAsync(await _client.PostJsonTextAsync(path, JsonInput(datatype, input) + """, "parameters": { "binary_data_output": true } }"""))).Outputs["y"];

        var answer = await BinaryInfer.ReadAsync(await _client.PostAsync(path,
            BinaryInput(datatype, raw.Length, """, "outputs": [{ "name": "y", "parameters": { "binary_data": true } }]"""), raw));

        Assert.Equal(raw, answer.Outputs["y"]);
        var output = Assert.Single(answer.Header.GetProperty("outputs").EnumerateArray());
        JsonCompare.Equal($$"""{ "name": "y", "datatype": "{{datatype}}", "shape": [2, 3], "parameters": { "binary_data_size": {{raw.Length}} } }""", output);
    }

    [Fact]
    public async Task Infer_KnownBytes_AreReadLittleEndianRowMajor()
    {
        var answer = await _client.PostAsync("/v2/models/identity_int32/infer", BinaryInput("INT32", 24), BinaryInfer.Int32s(1, -2, 3, int.MaxValue, int.MinValue, 0));
        var body = await ResponseAssert.JsonAsync(answer, HttpStatusCode.OK);
        JsonCompare.Equal("[1, -2, 3, 2147483647, -2147483648, 0]", body.GetProperty("outputs")[0].GetProperty("data"));

        var strings = BinaryInfer.Strings("", "héllo", "日本語", "a", "bc", "😀");
        var text = await ResponseAssert.JsonAsync(await _client.PostAsync("/v2/models/identity_string/infer", BinaryInput("BYTES", strings.Length), strings), HttpStatusCode.OK);
        JsonCompare.Equal("""["", "héllo", "日本語", "a", "bc", "😀"]""", text.GetProperty("outputs")[0].GetProperty("data"));

        var flags = await ResponseAssert.JsonAsync(await _client.PostAsync("/v2/models/identity_bool/infer", BinaryInput("BOOL", 6), [1, 0, 0, 1, 1, 0]), HttpStatusCode.OK);
        JsonCompare.Equal("[true, false, false, true, true, false]", flags.GetProperty("outputs")[0].GetProperty("data"));
    }

    [Fact]
    public async Task Infer_EmptyBinaryTensor_ComesBackEmpty()
    {
        var answer = await BinaryInfer.ReadAsync(await _client.PostAsync("/v2/models/identity_float/infer",
            """{ "inputs": [{ "name": "x", "datatype": "FP32", "shape": [0, 3], "parameters": { "binary_data_size": 0 } }], "parameters": { "binary_data_output": true } }""", []));

        Assert.Empty(answer.Outputs["y"]);
        JsonCompare.Equal("[0, 3]", answer.Header.GetProperty("outputs")[0].GetProperty("shape"));
    }
}
