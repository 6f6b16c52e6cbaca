using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using InferenceService.LoadGenerator.Measurement;

namespace InferenceService.LoadGenerator.Load;

/// <summary>
/// Sends one infer request and records its outcome: the HTTP status and the time from just before sending to the
/// whole answer read, or the transport error when no answer came. Never throws for a failed request: in a load test a
/// failure is a measurement.
/// </summary>
internal sealed class InferenceRequestSender(HttpClient http, Uri inferUri, byte[] body, int? headerLength = null) : IRequestSender
{
    private readonly string? _headerLength = headerLength?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    public async Task SendAsync(StepRecorder recorder, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = s_json;
        using var request = new HttpRequestMessage(HttpMethod.Post, inferUri) { Content = content };
        if (_headerLength is not null)
        {
            request.Headers.TryAddWithoutValidation(Payload.BinaryPayloadFile.HeaderLengthName, _headerLength);
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            // The default completion option buffers the body: the latency includes reading the whole answer.
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            recorder.RecordAnswer((int)response.StatusCode, StepRecorder.Since(start), response.Headers.RetryAfter is not null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            recorder.RecordTransportError(TransportErrorKind(e));
        }
    }

    /// <summary>A short name for what went wrong: "timeout", "connection_refused", "response_ended", …</summary>
    internal static string TransportErrorKind(Exception e) => e switch
    {
        TaskCanceledException => "timeout",
        HttpRequestException { InnerException: SocketException socket } => ToSnakeCase(socket.SocketErrorCode.ToString()),
        HttpRequestException http when http.HttpRequestError != HttpRequestError.Unknown => ToSnakeCase(http.HttpRequestError.ToString()),
        _ => ToSnakeCase(e.GetType().Name.Replace("Exception", "", StringComparison.Ordinal)),
    };

    private static string ToSnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
