using System.Buffers;
using System.IO.Compression;
using InferenceService.Engine.Serving;
using Microsoft.AspNetCore.Http.Features;

namespace InferenceService.Contracts;

/// <summary>The request body codings the server reads (<c>Content-Encoding</c>), as the Triton clients send them.</summary>
internal enum BodyEncoding
{
    Gzip,

    /// <summary>HTTP's "deflate": zlib-wrapped, as RFC 9110 says; raw deflate, which some clients send, is read too.</summary>
    Deflate,
}

/// <summary>
/// Decompresses a gzip or deflate request body into one pooled buffer, bounded: the decompressed bytes count against
/// the server's body limit (<c>Server:MaxRequestBodyBytes</c>, the endpoint's own when it has one), so a small body
/// that inflates past it (a zip bomb) is refused with 413 as soon as it passes the limit, never held whole.
/// </summary>
internal static class RequestDecompression
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>The body's coding; null for none or <c>identity</c>.</summary>
    /// <exception cref="InferenceException">A coding the server does not read (400).</exception>
    public static BodyEncoding? EncodingOf(HttpRequest request)
    {
        var header = request.Headers.ContentEncoding;
        if (header.Count == 0)
        {
            return null;
        }
        var value = header.Count == 1 ? header[0]!.Trim() : string.Join(",", header.ToArray());
        if (value.Length == 0 || value.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        if (value.Equals("gzip", StringComparison.OrdinalIgnoreCase) || value.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
        {
            return BodyEncoding.Gzip;
        }
        if (value.Equals("deflate", StringComparison.OrdinalIgnoreCase))
        {
            return BodyEncoding.Deflate;
        }
        throw InferenceException.InvalidInput(
            $"The Content-Encoding '{(value.Length > 40 ? value[..40] + "..." : value)}' is not supported: send the body as gzip, deflate or identity.");
    }

    /// <summary>The decompressed body: (pooled buffer, bytes).</summary>
    /// <exception cref="InferenceException">The body is not valid data of its coding (400), or inflates past the limit (413).</exception>
    public static async ValueTask<(byte[] Buffer, int Length)> ReadAsync(HttpRequest request, BodyEncoding encoding, CancellationToken cancellationToken)
    {
        var limit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? Array.MaxLength;
        limit = Math.Min(limit, Array.MaxLength);
        var source = encoding == BodyEncoding.Gzip ? request.Body : await DeflateSourceAsync(request, cancellationToken).ConfigureAwait(false);
        await using var decompressor = encoding switch
        {
            BodyEncoding.Gzip => (Stream)new GZipStream(source, CompressionMode.Decompress, leaveOpen: true),
            _ => source,
        };
        // A compressed body is usually a few times smaller than what it holds: start at four times its length.
        var declared = request.ContentLength ?? 0;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(declared * 4, ChunkSize, Math.Max(ChunkSize, Math.Min(limit + 1, 16 * 1024 * 1024))));
        var length = 0;
        try
        {
            while (true)
            {
                if (buffer.Length - length < ChunkSize / 4)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, (long)buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await decompressor.ReadAsync(buffer.AsMemory(length, (int)Math.Min(buffer.Length - length, limit + 1 - length)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer, length);
                }
                length += read;
                if (length > limit)
                {
                    throw new InferenceException(InferenceErrorKind.PayloadTooLarge,
                        $"The request body, decompressed, is larger than the server accepts ({limit} bytes).");
                }
            }
        }
        catch (InvalidDataException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw InferenceException.InvalidInput($"The body is not valid {(encoding == BodyEncoding.Gzip ? "gzip" : "deflate")} data, as its Content-Encoding says.");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new InferenceException(InferenceErrorKind.PayloadTooLarge, "The request body is larger than the server accepts.");
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>
    /// A decompressing stream for an HTTP "deflate" body: zlib-wrapped when its first two bytes are a zlib header (the
    /// standard, and what the Triton clients send), raw deflate otherwise.
    /// </summary>
    private static async ValueTask<Stream> DeflateSourceAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var reader = request.BodyReader;
        var read = await reader.ReadAtLeastAsync(2, cancellationToken).ConfigureAwait(false);
        var isZlib = false;
        if (read.Buffer.Length >= 2)
        {
            Span<byte> head = stackalloc byte[2];
            read.Buffer.Slice(0, 2).CopyTo(head);
            // RFC 1950: compression method 8 (deflate) and a header checksum that divides by 31.
            isZlib = (head[0] & 0x0F) == 8 && ((head[0] << 8) | head[1]) % 31 == 0;
        }
        reader.AdvanceTo(read.Buffer.Start); // nothing consumed: the decompressor reads from the start
        var body = reader.AsStream(leaveOpen: true);
        return isZlib
            ? new ZLibStream(body, CompressionMode.Decompress, leaveOpen: true)
            : new DeflateStream(body, CompressionMode.Decompress, leaveOpen: true);
    }
}
