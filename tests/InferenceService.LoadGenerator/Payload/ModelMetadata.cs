using System.Text.Json;

namespace InferenceService.LoadGenerator.Payload;

/// <summary>A model's inputs as <c>GET /v2/models/{model}</c> describes them: what a generated request must fill.</summary>
internal sealed record ModelMetadata(string Name, IReadOnlyList<MetadataInput> Inputs)
{
    /// <summary>Reads the Open Inference Protocol metadata response; throws <see cref="FormatException"/> when it is not one.</summary>
    public static ModelMetadata Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var root = document.RootElement;
            var inputs = root.GetProperty("inputs").EnumerateArray().Select(input => new MetadataInput(
                input.GetProperty("name").GetString()!,
                input.GetProperty("datatype").GetString()!,
                input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList();
            return new ModelMetadata(root.GetProperty("name").GetString()!, inputs);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"The model metadata is not an Open Inference Protocol metadata response: {e.Message}", e);
        }
    }
}

/// <summary>One input: its name, Open Inference Protocol datatype (FP32, INT64, …) and shape, -1 for a dynamic dimension.</summary>
internal sealed record MetadataInput(string Name, string Datatype, IReadOnlyList<long> Shape);
