using System.Text.Json;

namespace InferenceService.LoadGenerator.Outputs;

/// <summary>
/// One output of an Open Inference Protocol infer response: name, datatype, shape, and its elements in row-major order,
/// numbers (booleans as 0 and 1) in <see cref="Numbers"/>, BYTES elements in <see cref="Strings"/>.
/// </summary>
internal sealed record OutputTensor(string Name, string Datatype, IReadOnlyList<long> Shape, IReadOnlyList<double>? Numbers, IReadOnlyList<string>? Strings)
{
    public int Count => Numbers?.Count ?? Strings!.Count;

    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}

internal static class InferOutputs
{
    /// <summary>The outputs of an infer response body; throws <see cref="FormatException"/> when it is not one.</summary>
    public static IReadOnlyList<OutputTensor> Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            return document.RootElement.GetProperty("outputs").EnumerateArray().Select(Output).ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"The answer is not an Open Inference Protocol infer response (outputs with name, datatype, shape, data): {e.Message}", e);
        }
    }

    private static OutputTensor Output(JsonElement output)
    {
        var name = output.GetProperty("name").GetString()!;
        var datatype = output.GetProperty("datatype").GetString()!;
        var shape = output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        var elements = new List<JsonElement>();
        Flatten(output.GetProperty("data"), elements);
        return datatype == "BYTES"
            ? new OutputTensor(name, datatype, shape, null, elements.Select(e => e.GetString()!).ToList())
            : new OutputTensor(name, datatype, shape, elements.Select(Number).ToList(), null);
    }

    /// <summary>The data as the protocol allows it: flat, or nested like the shape.</summary>
    private static void Flatten(JsonElement data, List<JsonElement> into)
    {
        if (data.ValueKind != JsonValueKind.Array)
        {
            into.Add(data);
            return;
        }
        foreach (var element in data.EnumerateArray())
        {
            Flatten(element, into);
        }
    }

    private static double Number(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        // Servers write non-finite floats as strings ("NaN", "Infinity").
        JsonValueKind.String => double.Parse(element.GetString()!, System.Globalization.CultureInfo.InvariantCulture),
        _ => element.GetDouble(),
    };
}
