using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>Compressed bodies both ways, as the Triton clients make and read them (gzip, and zlib-wrapped "deflate").</summary>
public static class Compression
{
    public static byte[] Gzip(byte[] data) => Compress(data, s => new GZipStream(s, CompressionLevel.Optimal, leaveOpen: true));

    public static byte[] Zlib(byte[] data) => Compress(data, s => new ZLibStream(s, CompressionLevel.Optimal, leaveOpen: true));

    public static byte[] RawDeflate(byte[] data) => Compress(data, s => new DeflateStream(s, CompressionLevel.Optimal, leaveOpen: true));

    public static byte[] Inflate(byte[] data, string encoding)
    {
        using var input = new MemoryStream(data);
        using Stream decompressor = encoding == "gzip" ? new GZipStream(input, CompressionMode.Decompress) : new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decompressor.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>POSTs <paramref name="body"/> (already encoded) with its Content-Encoding and any extra headers.</summary>
    public static Task<HttpResponseMessage> PostEncodedAsync(this HttpClient client, string path, byte[] body, string encoding, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentEncoding.Add(encoding);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return client.SendAsync(request);
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Compress(byte[] data, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output))
        {
            stream.Write(data);
        }
        return output.ToArray();
    }
}
