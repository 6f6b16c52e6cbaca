using System.Net;
using System.Net.Http.Headers;
using System.Text;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Security;

/// <summary>
/// Bodies whose strings hold bytes that are not UTF-8 (the JSON tensor fuzzer's first find: the parser leaves strings
/// unchecked until read, and reading one threw past every client-error path, a 500): now a 400.
/// </summary>
public sealed class InvalidUtf8Tests(OpenServiceFixture service) : IClassFixture<OpenServiceFixture>
{
    private async Task<HttpResponseMessage> PostAsync(string path, string before, string after)
    {
        var body = Encoding.UTF8.GetBytes(before).Concat(new byte[] { 0xFF, 0xFE, 0x80 }).Concat(Encoding.UTF8.GetBytes(after)).ToArray();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await service.Client.PostAsync(path, content);
    }

    [Fact]
    public async Task Infer_InvalidUtf8InAString_Answers400()
    {
        using var response = await PostAsync("/v2/models/iris/infer", "{ \"id\": \"a", "\", \"inputs\": [{ \"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [1, 4], \"data\": [1, 2, 3, 4] }] }");
        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "not UTF-8");
    }

    [Fact]
    public async Task Predict_InvalidUtf8InAString_Answers400()
    {
        using var response = await PostAsync("/predict", "{ \"model\": \"iris\", \"id\": \"a", "\", \"inputs\": { \"input\": [[1, 2, 3, 4]] } }");
        await ResponseAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "not UTF-8");
    }

    [Fact]
    public async Task Feedback_InvalidUtf8InAString_Answers400()
    {
        using var response = await PostAsync("/v2/models/iris/feedback", "{ \"id\": \"a", "\", \"targets\": { \"label\": [\"setosa\"] } }");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
