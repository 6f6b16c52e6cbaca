using System.Net.Http.Headers;
using System.Text;

namespace InferenceService.Api.Tests.TestSupport;

public static class HttpClientExtensions
{
    /// <summary>POSTs <paramref name="json"/> as it is written (so malformed and duplicate-key bodies reach the server).</summary>
    public static Task<HttpResponseMessage> PostJsonTextAsync(this HttpClient client, string path, string json, CancellationToken cancellationToken = default)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return client.PostAsync(path, content, cancellationToken);
    }
}
