using System.Net;
using InferenceService.LoadGenerator.Payload;

namespace InferenceService.LoadGenerator.Load;

/// <summary>One model (version) of the server: its routes, and the checks every command makes before sending to it.</summary>
internal sealed class ModelClient(HttpClient http, Uri baseUrl, string model, string? version)
{
    /// <summary>v2/models/{model}[/versions/{version}], relative to the base URL.</summary>
    public string ModelPath { get; } = "v2/models/" + Uri.EscapeDataString(model)
                                       + (version is null ? "" : "/versions/" + Uri.EscapeDataString(version));

    public Uri InferUri => new(baseUrl, ModelPath + "/infer");

    public Uri StatsUri => new(baseUrl, ModelPath + "/stats");

    /// <summary>Throws <see cref="LoadSetupException"/> unless the model answers ready.</summary>
    public async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        HttpStatusCode status;
        try
        {
            using var response = await http.GetAsync(new Uri(baseUrl, ModelPath + "/ready"), cancellationToken).ConfigureAwait(false);
            status = response.StatusCode;
        }
        catch (HttpRequestException e)
        {
            throw new LoadSetupException($"The server at {baseUrl} cannot be reached: {e.Message}", e);
        }
        if (status != HttpStatusCode.OK)
        {
            throw new LoadSetupException($"Model '{model}'{(version is null ? "" : $" version {version}")} is not ready at {baseUrl}: GET /{ModelPath}/ready answered {(int)status}.");
        }
    }

    /// <summary>The model's inputs, for generating a request; throws <see cref="LoadSetupException"/> when they cannot be read.</summary>
    public async Task<ModelMetadata> ReadMetadataAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(baseUrl, ModelPath), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new LoadSetupException($"GET /{ModelPath} answered {(int)response.StatusCode}; the model's metadata is needed to generate inputs (or pass --payload).");
        }
        try
        {
            return ModelMetadata.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (FormatException e)
        {
            throw new LoadSetupException(e.Message, e);
        }
    }
}
