using System.Net;
using System.Text;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Errors;

/// <summary>A server whose <c>Server:MaxRequestBodyBytes</c> is 1 KiB, behind Kestrel (whose limit it configures).</summary>
public sealed class SmallBodyLimitFixture : ServiceFixture
{
    public const int Limit = 1024;

    protected override bool UseKestrel => true;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Server:MaxRequestBodyBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository.AddSampleModel("iris");
}

public class RequestBodyLimitTests(SmallBodyLimitFixture service) : IClassFixture<SmallBodyLimitFixture>
{
    private readonly HttpClient _client = service.Client;

    private static string Rows(int count) => string.Join(", ", Enumerable.Repeat("[5.1, 3.5, 1.4, 0.2]", count));

    [Fact]
    public async Task Predict_BodyOverLimit_Returns413Problem()
    {
        var body = $$"""{ "model": "iris", "inputs": { "input": [{{Rows(100)}}] } }""";
        Assert.True(Encoding.UTF8.GetByteCount(body) > SmallBodyLimitFixture.Limit);

        await ResponseAssert.ProblemAsync(await _client.PostJsonTextAsync("/predict", body), HttpStatusCode.RequestEntityTooLarge, "larger than the server accepts");
    }

    [Fact]
    public async Task Infer_BodyOverLimit_Returns413Error()
    {
        var body = $$"""{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [100, 4], "data": [{{Rows(100)}}] }] }""";

        await ResponseAssert.ProtocolErrorAsync(await _client.PostJsonTextAsync("/v2/models/iris/infer", body), HttpStatusCode.RequestEntityTooLarge, "larger than the server accepts");
    }

    [Fact]
    public async Task Infer_ChunkedBodyOverLimit_Returns413Error()
    {
        var body = $$"""{ "inputs": [{ "name": "input", "datatype": "FP32", "shape": [100, 4], "data": [{{Rows(100)}}] }] }""";
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/models/iris/infer") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        await ResponseAssert.ProtocolErrorAsync(await _client.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "larger than the server accepts");
    }

    [Fact]
    public async Task Predict_BodyUnderLimit_IsServed()
    {
        var body = $$"""{ "model": "iris", "inputs": { "input": [{{Rows(2)}}] } }""";
        Assert.True(Encoding.UTF8.GetByteCount(body) < SmallBodyLimitFixture.Limit);

        var answer = await ResponseAssert.JsonAsync(await _client.PostJsonTextAsync("/predict", body), HttpStatusCode.OK);

        JsonCompare.Equal("""["setosa", "setosa"]""", answer.GetProperty("labels").GetProperty("label"));
    }
}
