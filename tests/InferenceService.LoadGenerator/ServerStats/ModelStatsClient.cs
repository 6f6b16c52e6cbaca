using System.Net;

namespace InferenceService.LoadGenerator.ServerStats;

/// <summary>
/// Reads a model's statistics around each step. A server without the statistics extension is not an error: the
/// client-side figures stand on their own, and the split is reported as unavailable with the reason.
/// </summary>
internal sealed class ModelStatsClient(HttpClient http, Uri statsUri)
{
    /// <summary>The snapshot, or null with a reason saying why there is none.</summary>
    public async Task<(ModelStatsSnapshot? Snapshot, string? Reason)> TryReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(statsUri, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return (null, "statistics extension not served (GET .../stats answered 404)");
            }
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"the statistics extension answered {(int)response.StatusCode}");
            }
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return (ModelStatsSnapshot.Parse(body), null);
        }
        catch (Exception e) when (e is HttpRequestException or FormatException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, e.Message);
        }
    }
}
