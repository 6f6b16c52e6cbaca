namespace InferenceService.LoadGenerator.ServerStats;

/// <summary>
/// Reads the server's Prometheus endpoint (<c>/metrics</c>) around each step for its request-duration histogram. A
/// server without one is not an error: the load generator's own figures stand, and the reason is reported.
/// </summary>
internal sealed class ServerMetricsClient(HttpClient http, Uri metricsUri)
{
    /// <summary>The infer routes' histogram, or null with a reason saying why there is none.</summary>
    public async Task<(LatencyHistogram? Histogram, string? Reason)> TryReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(metricsUri, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"GET /metrics answered {(int)response.StatusCode}");
            }
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return LatencyHistogram.Parse(text) is { } histogram
                ? (histogram, null)
                : (null, "no http_server_request_duration_seconds histogram for the infer routes in /metrics");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, e.Message);
        }
    }
}
