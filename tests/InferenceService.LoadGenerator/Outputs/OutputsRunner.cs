using System.Net.Http.Headers;
using InferenceService.LoadGenerator.Load;
using InferenceService.LoadGenerator.Payload;
using InferenceService.LoadGenerator.Reporting;

namespace InferenceService.LoadGenerator.Outputs;

/// <summary>
/// Sends one request body, the same bytes, to each model in turn (one request each, nothing concurrent) and compares
/// every answer with the first model's. The body is a file's, or generated from the first model's metadata.
/// </summary>
internal sealed class OutputsRunner(Uri baseUrl, IReadOnlyList<string> models, string? payloadFile, int batchSize, int seed, TimeSpan timeout, HttpMessageHandler? handler = null)
{
    public async Task<List<Verdict>> CompareAsync(double? maxAbsDiff, CancellationToken cancellationToken)
    {
        using var http = handler is null
            ? LoopbackHttpClient.Create(1, timeout)
            : new HttpClient(handler, disposeHandler: false) { Timeout = timeout };
        var clients = models.Select(m => new ModelClient(http, baseUrl, m, null)).ToList();
        foreach (var client in clients)
        {
            await client.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        }
        var payload = payloadFile is { } file
            ? PayloadFactory.FromFile(file)
            : PayloadFactory.Generate(await clients[0].ReadMetadataAsync(cancellationToken).ConfigureAwait(false), batchSize, seed);

        var answers = new List<IReadOnlyList<OutputTensor>>();
        for (var i = 0; i < clients.Count; i++)
        {
            answers.Add(await InferAsync(http, clients[i], models[i], payload.Body, cancellationToken).ConfigureAwait(false));
        }
        return Enumerable.Range(1, models.Count - 1)
            .Select(i => OutputComparison.Compare(models[0], answers[0], models[i], answers[i], maxAbsDiff))
            .ToList();
    }

    private static async Task<IReadOnlyList<OutputTensor>> InferAsync(HttpClient http, ModelClient client, string model, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(client.InferUri, content, cancellationToken).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = System.Text.Encoding.UTF8.GetString(answer);
            throw new LoadSetupException($"Model '{model}' answered {(int)response.StatusCode} to the infer request: {(text.Length > 300 ? text[..300] + "…" : text)}");
        }
        try
        {
            return InferOutputs.Parse(answer);
        }
        catch (FormatException e)
        {
            throw new LoadSetupException($"Model '{model}': {e.Message}", e);
        }
    }
}
