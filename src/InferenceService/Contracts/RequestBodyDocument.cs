using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using InferenceService.Engine;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Security;

namespace InferenceService.Contracts;

/// <summary>
/// A JSON request body read once into one pooled buffer (straight from the request's PipeReader, sized by its
/// Content-Length, or through a decompressor when the body is gzip or deflate encoded) and parsed once into a
/// <see cref="JsonDocument"/> over that buffer, whose own index is pooled as well. Everything the request needs is
/// read from <see cref="Root"/>: elements are views into the buffer, so the body is neither copied again nor parsed
/// twice. The inputs' number arrays are first lifted out of the text
/// (<see cref="LiftedInputData"/>): the document is parsed from a lighter copy without them and their numbers are read
/// from the body itself (<see cref="NumberArrayOf"/>), each once, straight into the tensor; positions in messages are
/// the body's own. With the binary tensor data extension only the first <c>Inference-Header-Content-Length</c> bytes are JSON;
/// the rest is <see cref="Binary"/>, which raw inputs borrow or copy once. Dispose it once nothing reads the elements
/// or the binary data any more (after the answer is written: inline targets are read after the Run).
/// </summary>
internal readonly struct RequestBodyDocument : IDisposable
{
    private const int SmallBody = 4096;

    private readonly byte[] _buffer;
    private readonly int _length;
    private readonly int _headerLength;
    private readonly bool _ownsBuffer;
    private readonly ParsedJson _json;

    private RequestBodyDocument(byte[] buffer, int length, int headerLength, ParsedJson json, bool ownsBuffer = true)
    {
        _buffer = buffer;
        _length = length;
        _headerLength = headerLength;
        _ownsBuffer = ownsBuffer;
        _json = json;
    }

    public JsonDocument Document => _json.Document;

    public JsonElement Root => Document.RootElement;

    /// <summary>The bytes after the JSON header (the binary tensor data extension); empty without a header length.</summary>
    public ReadOnlyMemory<byte> Binary => _buffer is { Length: > 0 } ? _buffer.AsMemory(_headerLength, _length - _headerLength) : ReadOnlyMemory<byte>.Empty;

    /// <summary>Whether the request gave <c>Inference-Header-Content-Length</c> (binary data may follow the JSON).</summary>
    public bool HasHeaderLength { get; init; }

    /// <summary>
    /// Reads and parses the body. The Content-Type is not checked: the body is JSON (or a JSON header and binary data)
    /// or it is a 400, as Triton does. A gzip or deflate body (<c>Content-Encoding</c>) is decompressed as it is read,
    /// and its decompressed size counts against the same limit as a plain body's.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="binaryHeaders">Whether the route takes the binary tensor data extension (<c>Inference-Header-Content-Length</c>).</param>
    /// <param name="liftInputData">Where the body keeps its inputs' data, whose number arrays are then read from the text (<see cref="NumberArrayOf"/>) rather than parsed into the document.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <exception cref="InferenceException">The body is not JSON or its layout is wrong (400), or it is larger than the server accepts (413).</exception>
    public static async ValueTask<RequestBodyDocument> ReadAsync(HttpRequest request, bool binaryHeaders, InputDataLayout liftInputData, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headerLength = binaryHeaders ? BinaryTensorHeaders.RequestHeaderLength(request) : null;
        var encoding = RequestDecompression.EncodingOf(request);
        var (buffer, length) = encoding is null
            ? await ReadPlainAsync(request, cancellationToken).ConfigureAwait(false)
            : await RequestDecompression.ReadAsync(request, encoding.Value, cancellationToken).ConfigureAwait(false);
        if (headerLength > length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw InferenceException.InvalidInput(
                $"The {BinaryTensorHeaders.HeaderLengthName} header says the JSON header takes {headerLength} bytes, but the body has only {length}.");
        }
        var jsonLength = (int)(headerLength ?? length);
        var maxDepth = ServerLimits.Of(request.HttpContext).MaxJsonDepth;
        if (!System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, jsonLength)))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw headerLength is null && binaryHeaders
                ? InferenceException.InvalidInput($"The body is not valid: it is not UTF-8 text (binary tensor data after the JSON needs the {BinaryTensorHeaders.HeaderLengthName} header).")
                : NotUtf8();
        }
        try
        {
            return new RequestBodyDocument(buffer, length, jsonLength, ParsedJson.Parse(buffer, jsonLength, new JsonDocumentOptions { MaxDepth = maxDepth }, liftInputData))
            {
                HasHeaderLength = headerLength is not null,
            };
        }
        catch (JsonException e)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (IsTooDeep(e))
            {
                throw InferenceException.InvalidInput(
                    $"The body is not valid: it nests deeper than {maxDepth} levels, the most the server accepts ({ServerLimits.Setting(nameof(ServerLimits.MaxJsonDepth))}).");
            }
            throw InferenceException.InvalidInput($"The body is not valid: {JsonErrors.Describe(e)}"
                + (headerLength is null && binaryHeaders ? $" (binary tensor data after the JSON needs the {BinaryTensorHeaders.HeaderLengthName} header)" : ""));
        }
    }

    /// <summary>The body as the client sent it, into one pooled buffer: (buffer, bytes read).</summary>
    private static async ValueTask<(byte[] Buffer, int Length)> ReadPlainAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var declared = request.ContentLength;
        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 and < int.MaxValue ? (int)declared.Value : SmallBody);
        var length = 0;
        try
        {
            var reader = request.BodyReader;
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                length = Append(ref buffer, length, read.Buffer);
                reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }
            return (buffer, length);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw BodyTooLarge(request.HttpContext);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>
    /// JSON is UTF-8, and the parser leaves strings unchecked until they are read, where invalid bytes would throw
    /// past every client-error path (the fuzzer found it): the whole body is checked once, vectorized, before parsing.
    /// </summary>
    private static InferenceException NotUtf8() => InferenceException.InvalidInput("The body is not valid: it is not UTF-8 text.");

    /// <summary>The 413 of a body over <c>Limits:MaxRequestBodyBytes</c>, naming the limit.</summary>
    public static InferenceException BodyTooLarge(HttpContext context) =>
        new(InferenceErrorKind.PayloadTooLarge,
            $"The request body is larger than the server accepts ({ServerLimits.Of(context).MaxRequestBodyBytes} bytes, {ServerLimits.Setting(nameof(ServerLimits.MaxRequestBodyBytes))}).");

    /// <summary>Whether the reader stopped at its depth limit (its message is the only sign: the exception type is internal).</summary>
    // "The maximum configured depth of 64 has been exceeded"; a truncated body's "Expected depth to be zero …" is not it.
    internal static bool IsTooDeep(JsonException e) => e.Message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A body that already is in memory (tests, benchmarks). The document reads <paramref name="utf8"/> in place: keep
    /// it unchanged until this is disposed. With <paramref name="headerLength"/>, only that many bytes are JSON and the
    /// rest is <see cref="Binary"/>.
    /// </summary>
    public static RequestBodyDocument Parse(byte[] utf8, int? headerLength = null, InputDataLayout liftInputData = InputDataLayout.None)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        var jsonLength = headerLength ?? utf8.Length;
        if (!System.Text.Unicode.Utf8.IsValid(utf8.AsSpan(0, jsonLength)))
        {
            throw NotUtf8();
        }
        try
        {
            return new RequestBodyDocument(utf8, utf8.Length, jsonLength, ParsedJson.Parse(utf8, jsonLength, default, liftInputData), ownsBuffer: false)
            {
                HasHeaderLength = headerLength is not null,
            };
        }
        catch (JsonException e)
        {
            throw InferenceException.InvalidInput($"The body is not valid: {JsonErrors.Describe(e)}");
        }
    }

    /// <summary>
    /// "The body is not valid: a value has the wrong JSON type at $.path (line L, byte B).", the serializer's words for
    /// a value of another kind than the protocol says.
    /// </summary>
    public string WrongType(JsonElement element, string path) =>
        $"The body is not valid: a value has the wrong JSON type{Where(path)}{PositionOf(element)}.";

    /// <summary>"The body is not valid: a property is given twice at $.path (line L, byte B)."</summary>
    public string GivenTwice(JsonElement value, string path) =>
        $"The body is not valid: a property is given twice{Where(path)}{PositionOf(value)}.";

    /// <summary>
    /// The numbers of an input's <c>data</c> when they were lifted out of the body (<paramref name="data"/> is then the
    /// empty array the document holds in their place); null for any other value.
    /// </summary>
    public JsonNumberArray? NumberArrayOf(JsonElement data) =>
        _json.Lifted is { } lifted && data.ValueKind == JsonValueKind.Array && OffsetIn(_json.Text, data) is { } offset
            ? lifted.At(offset, _buffer)
            : null;

    public void Dispose()
    {
        _json.Dispose();
        if (_ownsBuffer && _buffer is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }

    private static string Where(string path) => path is { Length: > 0 } && path != "$" ? $" at {path}" : "";

    /// <summary>" (line L, byte B)" of an element, 1-based, found from where its text sits in the buffer.</summary>
    private string PositionOf(JsonElement element)
    {
        if (!_ownsBuffer || _buffer is not { Length: > 0 })
        {
            return "";
        }
        if (OffsetIn(_json.Text, element) is not { } parsed)
        {
            return "";
        }
        var offset = _json.Lifted?.OriginalOffset(parsed) ?? parsed;
        var before = _buffer.AsSpan(0, offset);
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        return $" (line {line}, byte {offset - lineStart + 1})";
    }

    /// <summary>Where <paramref name="element"/>'s text starts in <paramref name="text"/>, the text its document was parsed from.</summary>
    private static int? OffsetIn(ReadOnlyMemory<byte> text, JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        var offset = (long)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(text.Span), ref MemoryMarshal.GetReference(raw));
        return offset < 0 || offset > text.Length ? null : (int)offset;
    }

    internal static int Append(ref byte[] buffer, int length, ReadOnlySequence<byte> data)
    {
        var needed = length + data.Length;
        if (needed > buffer.Length)
        {
            // A body without Content-Length (chunked), or longer than it said: grow by doubling, as the pool sizes go.
            var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, (long)buffer.Length * 2)));
            buffer.AsSpan(0, length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = larger;
        }
        data.CopyTo(buffer.AsSpan(length));
        return (int)needed;
    }
}
