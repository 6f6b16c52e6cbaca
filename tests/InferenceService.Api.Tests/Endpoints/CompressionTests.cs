using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>
/// Compressed requests (<c>Content-Encoding: gzip|deflate</c>) and answers (<c>Accept-Encoding</c>), JSON and binary,
/// as the Triton HTTP client sends and reads them.
/// </summary>
public class CompressionTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    private const string Path = "/v2/models/two_inputs_two_outputs/infer";
    private const string Request = """
        { "inputs": [{ "name": "a", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4] },
                     { "name": "b", "datatype": "FP32", "shape": [1, 4], "data": [10, 20, 30, 40] }] }
        """;

    private readonly HttpClient _client = service.Client;

    public static TheoryData<string, string> Encodings => new() { { "gzip", "gzip" }, { "deflate", "zlib" }, { "deflate", "raw" }, { "GZIP", "gzip" } };

    private static byte[] Encode(string form, byte[] body) => form switch
    {
        "gzip" => Compression.Gzip(body),
        "zlib" => Compression.Zlib(body),
        _ => Compression.RawDeflate(body),
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task Infer_CompressedJsonBody_IsServed(string encoding, string form)
    {
        var response = await _client.PostEncodedAsync(Path, Encode(form, Compression.Utf8(Request)), encoding);

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        JsonCompare.Equal("[11, 22, 33, 44]", body.GetProperty("outputs")[0].GetProperty("data"));
    }

    [Fact]
    public async Task Infer_CompressedBinaryBody_HeaderLengthCountsTheInflatedJson()
    {
        var header = Compression.Utf8("""
            { "inputs": [{ "name": "a", "datatype": "FP32", "shape": [1, 4], "parameters": { "binary_data_size": 16 } },
                         { "name": "b", "datatype": "FP32", "shape": [1, 4], "parameters": { "binary_data_size": 16 } }] }
            """);
        byte[] body = [.. header, .. BinaryInfer.Floats(1, 2, 3, 4), .. BinaryInfer.Floats(1, 1, 1, 1)];

        var response = await _client.PostEncodedAsync(Path, Compression.Gzip(body), "gzip", (BinaryInfer.HeaderLengthName, header.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var answer = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        JsonCompare.Equal("[2, 3, 4, 5]", answer.GetProperty("outputs")[0].GetProperty("data"));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Infer_AcceptEncoding_AnswersCompressed(string encoding)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new StringContent(Request, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept-Encoding", encoding);

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
        using var document = JsonDocument.Parse(Compression.Inflate(await response.Content.ReadAsByteArrayAsync(), encoding));
        JsonCompare.Equal("[10, 40, 90, 160]", document.RootElement.GetProperty("outputs")[1].GetProperty("data"));
    }

    [Fact]
    public async Task Infer_AcceptEncodingWithBinaryOutputs_InflatesToTheBinaryLayout()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Content = new StringContent(Request.TrimEnd()[..^1] + """, "parameters": { "binary_data_output": true } }""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        var body = Compression.Inflate(await response.Content.ReadAsByteArrayAsync(), "gzip");
        var headerLength = int.Parse(response.Headers.GetValues(BinaryInfer.HeaderLengthName).Single(), System.Globalization.CultureInfo.InvariantCulture);
        using var header = JsonDocument.Parse(body.AsMemory(0, headerLength));
        Assert.Equal(16, header.RootElement.GetProperty("outputs")[0].GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.Equal([.. BinaryInfer.Floats(11, 22, 33, 44), .. BinaryInfer.Floats(10, 40, 90, 160)], body[headerLength..]);
    }

    [Fact]
    public async Task Infer_NoAcceptEncoding_AnswersUncompressed()
    {
        var response = await _client.PostJsonTextAsync(Path, Request);

        await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        Assert.Empty(response.Content.Headers.ContentEncoding);
    }

    [Theory]
    [InlineData("gzip", "The body is not valid gzip data, as its Content-Encoding says.")]
    [InlineData("deflate", "The body is not valid deflate data, as its Content-Encoding says.")]
    [InlineData("br", "The Content-Encoding 'br' is not supported: send the body as gzip, deflate or identity.")]
    public async Task Infer_BodyNotOfItsEncoding_Is400(string encoding, string message)
    {
        var response = await _client.PostEncodedAsync(Path, Compression.Utf8(Request), encoding);

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, message);
    }

    [Fact]
    public async Task Predict_GzipBody_IsServed()
    {
        var response = await _client.PostEncodedAsync("/predict", Compression.Gzip(Compression.Utf8("""{ "model": "two_inputs_two_outputs", "inputs": { "a": [[1, 2, 3, 4]], "b": [[1, 1, 1, 1]] } }""")), "gzip");

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        JsonCompare.Equal("[[2, 3, 4, 5]]", body.GetProperty("outputs").GetProperty("sum"));
    }
}
