using System.Globalization;
using InferenceService.Engine.Serving;

namespace InferenceService.Contracts;

/// <summary>
/// The HTTP side of the binary tensor data extension: the header that says how much of a body is the JSON object
/// (the rest being the tensors' raw bytes, in the order of the inputs or outputs that have <c>binary_data_size</c>),
/// and the parameters that ask for it.
/// </summary>
internal static class BinaryTensorHeaders
{
    public const string HeaderLengthName = "Inference-Header-Content-Length";

    /// <summary>An input's or output's byte count in the binary data.</summary>
    public const string BinaryDataSize = "binary_data_size";

    /// <summary>An output's own choice: raw bytes (true) or JSON (false).</summary>
    public const string BinaryData = "binary_data";

    /// <summary>The request's default for its outputs.</summary>
    public const string BinaryDataOutput = "binary_data_output";

    /// <summary>The answer's content type when binary data follows the JSON.</summary>
    public const string OctetStream = "application/octet-stream";

    /// <summary>The request's <c>Inference-Header-Content-Length</c>; null when absent.</summary>
    /// <exception cref="InferenceException">The header is not one whole number of bytes, 0 or more (400).</exception>
    public static long? RequestHeaderLength(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(HeaderLengthName, out var values))
        {
            return null;
        }
        if (values.Count == 1 && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return length;
        }
        var given = values.Count == 1 ? values[0]! : string.Join(", ", values.ToArray());
        throw InferenceException.InvalidInput(
            $"The {HeaderLengthName} header must be one whole number of bytes (the JSON header's length), not '{(given.Length > 40 ? given[..40] + "..." : given)}'.");
    }
}
