using System.Text.Json;

namespace InferenceService.LoadGenerator.Payload;

/// <summary>
/// A <c>--payload</c> file in the binary tensor data extension's layout: an infer request's JSON object followed by
/// the raw bytes of its inputs that give <c>parameters.binary_data_size</c>. The JSON's length is what the request's
/// <c>Inference-Header-Content-Length</c> header says; a plain JSON file (trailing whitespace aside) has none.
/// </summary>
internal static class BinaryPayloadFile
{
    public const string HeaderLengthName = "Inference-Header-Content-Length";

    /// <summary>The length of the JSON object the file starts with, when binary data follows it; null for a JSON file.</summary>
    /// <exception cref="JsonException">The file does not start with one JSON value.</exception>
    public static int? JsonHeaderLength(byte[] body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = true });
        reader.Read();
        reader.Skip();
        var length = checked((int)reader.BytesConsumed);
        return body.AsSpan(length).IndexOfAnyExcept(" \t\r\n"u8) < 0 ? null : length;
    }
}
