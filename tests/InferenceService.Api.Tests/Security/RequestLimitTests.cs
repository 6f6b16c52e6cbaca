using System.Net;
using System.Text;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Security;

/// <summary>Small limits, served by Kestrel (which enforces the body and header limits itself).</summary>
public sealed class SmallLimitsFixture : ServiceFixture
{
    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository
        .AddModel("ident", "identity_float.onnx")
        .AddModel("text", "identity_string.onnx")
        .AddModel("pair", "two_inputs_two_outputs.onnx");

    protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Limits:MaxRequestBodyBytes"] = "2048",
        ["Limits:MaxRequestHeadersTotalBytes"] = "4096",
        ["Limits:MaxJsonDepth"] = "8",
        ["Limits:MaxTensorRank"] = "3",
        ["Limits:MaxElementsPerRequest"] = "12",
        ["Limits:MaxStringBytes"] = "8",
        ["Limits:MaxInputs"] = "1",
        ["Limits:MaxOutputs"] = "1",
    };

    protected override bool UseKestrel => true;
}

/// <summary>Each request limit: a 4xx that names its setting, on both APIs.</summary>
public sealed class RequestLimitTests(SmallLimitsFixture service) : IClassFixture<SmallLimitsFixture>
{
    private readonly HttpClient _client = service.Client;

    private static string Tensor(string name, string datatype, string shape, string data) =>
        $$"""{ "name": "{{name}}", "datatype": "{{datatype}}", "shape": {{shape}}, "data": {{data}} }""";

    [Fact]
    public async Task Infer_RankOverTheLimit_Answers400NamingMaxTensorRank()
    {
        using var response = await _client.PostJsonTextAsync("/v2/models/ident/infer", $$"""{ "inputs": [{{Tensor("x", "FP32", "[1, 1, 1, 3]", "[1, 2, 3]")}}] }""");
        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "rank 4", "at most 3 dimensions", "Limits:MaxTensorRank");
    }

    [Fact]
    public async Task Predict_NestedRankOverTheLimit_Answers400NamingMaxTensorRank()
    {
        using var response = await _client.PostJsonTextAsync("/predict/ident", """{ "inputs": { "x": [[[[1, 2, 3]]]] } }""");
        await ResponseAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "Limits:MaxTensorRank");
    }

    [Fact]
    public async Task Infer_ElementsOverTheLimit_Answers400NamingMaxElementsPerRequest()
    {
        using var response = await _client.PostJsonTextAsync("/v2/models/ident/infer",
            $$"""{ "inputs": [{{Tensor("x", "FP32", "[5, 3]", "[" + string.Join(", ", Enumerable.Range(0, 15)) + "]")}}] }""");
        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "15 elements", "at most 12", "Limits:MaxElementsPerRequest");
    }

    [Fact]
    public async Task Infer_ElementsAtTheLimit_Answers200()
    {
        using var response = await _client.PostJsonTextAsync("/v2/models/ident/infer",
            $$"""{ "inputs": [{{Tensor("x", "FP32", "[4, 3]", "[" + string.Join(", ", Enumerable.Range(0, 12)) + "]")}}] }""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Infer_StringOverTheLimit_Answers400NamingMaxStringBytes()
    {
        using var response = await _client.PostJsonTextAsync("/v2/models/text/infer", $$"""{ "inputs": [{{Tensor("x", "BYTES", "[1, 3]", """["ok", "123456789", "é"]""")}}] }""");
        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "element 1 is 9 bytes", "at most 8 bytes", "Limits:MaxStringBytes");
    }

    [Fact]
    public async Task Infer_StringOfMultiByteCharacters_CountsBytesNotCharacters()
    {
        // Three characters, nine bytes.
        using var response = await _client.PostJsonTextAsync("/v2/models/text/infer", $$"""{ "inputs": [{{Tensor("x", "BYTES", "[1, 3]", """["ab", "€€€", "c"]""")}}] }""");
        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "9 bytes", "Limits:MaxStringBytes");
    }

    [Fact]
    public async Task Infer_InputsOverTheLimit_Answers400NamingMaxInputs()
    {
        using var response = await _client.PostJsonTextAsync("/v2/models/pair/infer",
            $$"""{ "inputs": [{{Tensor("a", "FP32", "[1, 4]", "[1, 2, 3, 4]")}}, {{Tensor("b", "FP32", "[1, 4]", "[1, 2, 3, 4]")}}] }""");
        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "2 inputs", "at most 1", "Limits:MaxInputs");
    }

    [Fact]
    public async Task Infer_OutputsOverTheLimit_Answers400NamingMaxOutputs()
    {
        using var response = await _client.PostJsonTextAsync("/v2/models/ident/infer",
            $$"""{ "inputs": [{{Tensor("x", "FP32", "[1, 3]", "[1, 2, 3]")}}], "outputs": [{ "name": "y" }, { "name": "y" }] }""");
        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "2 outputs", "at most 1", "Limits:MaxOutputs");
    }

    [Fact]
    public async Task Infer_JsonDeeperThanTheLimit_Answers400NamingMaxJsonDepth()
    {
        var deep = new string('[', 9) + "1" + new string(']', 9);
        using var response = await _client.PostJsonTextAsync("/v2/models/ident/infer", $$"""{ "inputs": [{{Tensor("x", "FP32", "[1]", deep)}}] }""");
        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "deeper than 8 levels", "Limits:MaxJsonDepth");
    }

    [Fact]
    public async Task Predict_BodyOverTheLimit_Answers413NamingMaxRequestBodyBytes()
    {
        var body = $$"""{ "inputs": { "x": [[{{string.Join(", ", Enumerable.Repeat("1.0", 1000))}}]] } }""";
        using var response = await _client.PostJsonTextAsync("/predict/ident", body);
        await ResponseAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "2048 bytes", "Limits:MaxRequestBodyBytes");
    }

    [Fact]
    public async Task AnyRoute_HeadersOverTheLimit_Answers431()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/health/ready");
        request.Headers.Add("X-Padding", new string('a', 8192));
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }
}
