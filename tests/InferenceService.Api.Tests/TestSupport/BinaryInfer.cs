using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>An infer answer in the binary tensor data extension's form: its JSON header and each binary output's bytes.</summary>
public sealed record BinaryAnswer(JsonElement Header, IReadOnlyDictionary<string, byte[]> Outputs, int HeaderLength);

/// <summary>Sends and reads bodies of the binary tensor data extension, as the Triton HTTP client lays them out.</summary>
public static class BinaryInfer
{
    public const string HeaderLengthName = "Inference-Header-Content-Length";

    /// <summary>POSTs <paramref name="json"/> followed by <paramref name="binary"/>, saying the JSON's length (unless told otherwise).</summary>
    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string path, string json, byte[] binary, string? headerLength = "auto")
    {
        var header = Encoding.UTF8.GetBytes(json);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent([.. header, .. binary]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (headerLength is not null)
        {
            request.Headers.TryAddWithoutValidation(HeaderLengthName, headerLength == "auto" ? header.Length.ToString(CultureInfo.InvariantCulture) : headerLength);
        }
        return client.SendAsync(request);
    }

    /// <summary>Asserts a 200 answer with binary data and splits it as the Triton client does (by each output's binary_data_size, in order).</summary>
    public static async Task<BinaryAnswer> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        var headerLength = int.Parse(response.Headers.GetValues(HeaderLengthName).Single(), CultureInfo.InvariantCulture);
        using var document = JsonDocument.Parse(body.AsMemory(0, headerLength));
        var header = document.RootElement.Clone();
        var outputs = new Dictionary<string, byte[]>();
        var offset = headerLength;
        foreach (var output in header.GetProperty("outputs").EnumerateArray())
        {
            if (output.TryGetProperty("parameters", out var parameters) && parameters.TryGetProperty("binary_data_size", out var size))
            {
                outputs[output.GetProperty("name").GetString()!] = body.AsSpan(offset, size.GetInt32()).ToArray();
                offset += size.GetInt32();
            }
        }
        Assert.Equal(body.Length, offset);
        return new BinaryAnswer(header, outputs, headerLength);
    }

    /// <summary>BYTES elements in the raw layout: each one's UTF-8 length in 4 little-endian bytes, then its bytes.</summary>
    public static byte[] Strings(params string[] values)
    {
        var bytes = new List<byte>();
        foreach (var value in values)
        {
            var utf8 = Encoding.UTF8.GetBytes(value);
            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(prefix, utf8.Length);
            bytes.AddRange(prefix);
            bytes.AddRange(utf8);
        }
        return [.. bytes];
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }
        return bytes;
    }

    public static byte[] Int32s(params int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        }
        return bytes;
    }
}
