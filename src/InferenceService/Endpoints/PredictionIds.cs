using System.Globalization;
using System.Text;

namespace InferenceService.Endpoints;

/// <summary>Every answer carries a prediction id: the request's own, or a new one.</summary>
internal static class PredictionIds
{
    public const string HeaderName = "X-Prediction-Id";

    public static string New() => Guid.CreateVersion7().ToString("N");

    /// <summary>
    /// The id as a header value. A header carries only printable ASCII (Kestrel refuses anything else, failing the
    /// request), but an id is the client's text: one that is not header-safe is sent percent-encoded (UTF-8, as
    /// RFC 3986 encodes), while the body carries it as given.
    /// </summary>
    public static string HeaderValue(string id)
    {
        if (IsHeaderSafe(id))
        {
            return id;
        }
        var encoded = new StringBuilder(id.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(id))
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return encoded.ToString();
    }

    // Leading or trailing spaces would be trimmed by whoever reads the header.
    private static bool IsHeaderSafe(string id) =>
        id.Length > 0 && id[0] != ' ' && id[^1] != ' ' && id.AsSpan().IndexOfAnyExceptInRange(' ', '~') < 0;
}
