using System.Text.Json;
using System.Text.Json.Serialization;

namespace InferenceService.Contracts;

/// <summary>The body of <c>POST /predict</c>: inputs as nested JSON arrays (or scalars), keyed by input name.</summary>
public sealed record PredictRequest
{
    /// <summary>The model's name, as in the repository.</summary>
    [JsonPropertyName("model")]
    public string? Model { get; init; }

    /// <summary>The version to use; absent: the newest ready version.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; init; }

    /// <summary>An identifier to echo back as the prediction id; absent: one is generated.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    /// <summary>Each input's values as nested arrays; the nesting gives the shape, the model gives the element type.</summary>
    [JsonPropertyName("inputs")]
    public Dictionary<string, JsonElement>? Inputs { get; init; }

    /// <summary>Which outputs to return; absent: all.</summary>
    [JsonPropertyName("outputs")]
    public IReadOnlyList<string>? Outputs { get; init; }

    /// <summary>
    /// Ground truth sent with the inputs (an evaluation request): the true value of each row by output name, as in
    /// feedback. The prediction is scored at once; absent: it waits for feedback.
    /// </summary>
    [JsonPropertyName("targets")]
    public JsonElement Targets { get; init; }
}

/// <summary>The answer of <c>POST /predict</c> (written by hand with Utf8JsonWriter; this type documents its shape).</summary>
public sealed record PredictResponse(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("outputs")] IReadOnlyDictionary<string, JsonElement> Outputs,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, IReadOnlyList<string>>? Labels);
