using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace InferenceService.Client.Http;

/// <summary>
/// The binary tensor data extension of the REST API: a request is its JSON object (each input with
/// <c>parameters.binary_data_size</c> in place of <c>data</c>, every output asked for with <c>binary_data</c>) then
/// each input's raw bytes in the order of the inputs, the JSON's length in <c>Inference-Header-Content-Length</c>; an
/// answer is laid out the same way, each output with <c>binary_data_size</c> read from the bytes after the JSON, in
/// the order of the outputs, and any other output from its JSON <c>data</c>. The raw layout is the one
/// <see cref="InferTensor.RawData"/> holds (little-endian, row-major; BYTES as 4-byte length and bytes), so no element
/// is converted on either side.
/// </summary>
internal static class BinaryTensors
{
    public const string HeaderLengthName = "Inference-Header-Content-Length";
    public const string BinaryDataSize = "binary_data_size";
    public const string BinaryData = "binary_data";
    public const string BinaryDataOutput = "binary_data_output";

    /// <summary>The whole body and the length of its JSON header.</summary>
    public static (ReadOnlyMemory<byte> Body, int HeaderLength) WriteRequest(InferRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + request.Inputs.Sum(i => (int)Math.Min(int.MaxValue / 2, i.RawByteLength)));
        JsonTensors.WriteHeader(buffer, request, binary: true);
        var headerLength = buffer.WrittenCount;
        foreach (var input in request.Inputs)
        {
            input.WriteRawTo(buffer);
        }
        return (buffer.WrittenMemory, headerLength);
    }

    /// <summary>The header length an answer names; null when it has none (an all-JSON answer).</summary>
    public static int? HeaderLengthOf(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues(HeaderLengthName, out var values))
        {
            return null;
        }
        var text = values.FirstOrDefault();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            ? length
            : throw Malformed($"its {HeaderLengthName} header is '{text}', not a whole number of bytes");
    }

    /// <summary>An answer with binary data: the JSON header of <paramref name="headerLength"/> bytes, then the outputs' bytes.</summary>
    public static InferResult ReadResult(byte[] body, int headerLength)
    {
        if (headerLength > body.Length)
        {
            throw Malformed($"its {HeaderLengthName} is {headerLength} bytes but the body has {body.Length}");
        }
        using var document = JsonDocument.Parse(body.AsMemory(0, headerLength));
        var root = document.RootElement;
        var offset = headerLength;
        var outputs = new List<InferTensor>();
        foreach (var output in root.GetProperty("outputs").EnumerateArray())
        {
            if (!output.TryGetProperty("parameters", out var parameters) || !parameters.TryGetProperty(BinaryDataSize, out var size))
            {
                outputs.Add(JsonTensors.ReadOutput(output));
                continue;
            }
            var name = output.GetProperty("name").GetString() ?? "";
            var length = size.GetInt64();
            if (length < 0 || length > body.Length - offset)
            {
                throw Malformed($"output '{name}' has {BinaryDataSize} {length} but {body.Length - offset} bytes are left");
            }
            var datatype = TensorDatatypes.Parse(output.GetProperty("datatype").GetString());
            var shape = output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            outputs.Add(InferTensor.FromRaw(name, datatype, shape, body.AsSpan(offset, (int)length)));
            offset += (int)length;
        }
        if (offset != body.Length)
        {
            throw Malformed($"{body.Length - offset} bytes follow the last output's binary data");
        }
        return JsonTensors.ReadResult(root, outputs);
    }

    private static InferenceClientException Malformed(string why) =>
        new(InferenceErrorCode.Internal, $"The server's binary answer does not follow the binary tensor data extension: {why}.");
}
