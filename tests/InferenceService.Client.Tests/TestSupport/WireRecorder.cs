namespace InferenceService.Client.Tests.TestSupport;

/// <summary>Records what one infer call put on the wire and got back: content types, body lengths and the binary header lengths.</summary>
internal sealed class WireRecorder() : DelegatingHandler(new SocketsHttpHandler())
{
    private const string HeaderLengthName = "Inference-Header-Content-Length";

    public string? RequestContentType { get; private set; }

    public long? RequestHeaderLength { get; private set; }

    public long RequestBodyLength { get; private set; }

    public string? ResponseContentType { get; private set; }

    public long? ResponseHeaderLength { get; private set; }

    public long ResponseBodyLength { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        RequestContentType = request.Content?.Headers.ContentType?.MediaType;
        RequestHeaderLength = request.Headers.TryGetValues(HeaderLengthName, out var sent) ? long.Parse(sent.Single(), System.Globalization.CultureInfo.InvariantCulture) : null;
        RequestBodyLength = request.Content is null ? 0 : (await request.Content.ReadAsByteArrayAsync(cancellationToken)).Length;
        var response = await base.SendAsync(request, cancellationToken);
        ResponseContentType = response.Content.Headers.ContentType?.MediaType;
        ResponseHeaderLength = response.Headers.TryGetValues(HeaderLengthName, out var received) ? long.Parse(received.Single(), System.Globalization.CultureInfo.InvariantCulture) : null;
        // Buffered here so the length is known; the client reads the same bytes after.
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        ResponseBodyLength = response.Content.Headers.ContentLength ?? 0;
        return response;
    }
}
