using System.Net;
using System.Text;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Errors;

/// <summary>A compressed body's inflated size counts against <c>Server:MaxRequestBodyBytes</c> (1 KiB here).</summary>
public class CompressedBodyLimitTests(SmallBodyLimitFixture service) : IClassFixture<SmallBodyLimitFixture>
{
    private readonly HttpClient _client = service.Client;

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Infer_SmallBodyInflatingPastTheLimit_Is413(string encoding)
    {
        // Half a megabyte of spaces inside valid JSON: a few hundred bytes compressed.
        var json = Encoding.UTF8.GetBytes("""{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2] }]""" + new string(' ', 512 * 1024) + "}");
        var body = encoding == "gzip" ? Compression.Gzip(json) : Compression.Zlib(json);
        Assert.True(body.Length < SmallBodyLimitFixture.Limit);

        var response = await _client.PostEncodedAsync("/v2/models/iris/infer", body, encoding);

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "The request body, decompressed, is larger than the server accepts (1024 bytes).");
    }

    [Fact]
    public async Task Infer_CompressedBodyInflatingUnderTheLimit_IsServed()
    {
        var json = Encoding.UTF8.GetBytes("""{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2] }] }""");

        var response = await _client.PostEncodedAsync("/v2/models/iris/infer", Compression.Gzip(json), "gzip");

        await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
    }
}
