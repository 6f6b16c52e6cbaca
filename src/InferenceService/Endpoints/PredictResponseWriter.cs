using System.Globalization;
using System.Text.Json;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.OnnxRuntime;

namespace InferenceService.Endpoints;

/// <summary>
/// Writes the <c>/predict</c> answer straight from the output tensors with Utf8JsonWriter: no intermediate objects.
/// An output with a label file also gets its label names: class indices map to names one for one; class scores
/// ([batch, classes]) give the name of the highest score of each row.
/// </summary>
internal static class PredictResponseWriter
{
    public static async Task WriteAsync(HttpResponse response, InferenceResult result, string id, CancellationToken cancellationToken)
    {
        response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("model", result.Model.Name);
        writer.WriteString("version", result.Model.Version.ToString(CultureInfo.InvariantCulture));
        writer.WriteString("id", id);
        writer.WriteStartObject("outputs");
        for (var i = 0; i < result.Outputs.Count; i++)
        {
            writer.WritePropertyName(result.Outputs[i].Name);
            JsonTensorEncoder.WriteNested(writer, result.Values[i]);
        }
        writer.WriteEndObject();

        var labelled = false;
        for (var i = 0; i < result.Outputs.Count; i++)
        {
            if (result.Model.Labels.TryGetValue(result.Outputs[i].Name, out var labels))
            {
                TryWriteLabels(writer, result.Outputs[i].Name, result.Values[i], labels, ref labelled);
            }
        }
        if (labelled)
        {
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
    }

    private static bool TryWriteLabels(Utf8JsonWriter writer, string name, OrtValue value, IReadOnlyList<string> labels, ref bool started)
    {
        var shape = value.Shape;
        string[]? names = value.ElementType switch
        {
            TensorElementType.Int64 => value.GetTensorData<long>().ToArray().Select(c => LabelOf(labels, c)).ToArray(),
            TensorElementType.Int32 => value.GetTensorData<int>().ToArray().Select(c => LabelOf(labels, c)).ToArray(),
            TensorElementType.Float when shape.Count == 2 && shape[1] == labels.Count => ArgMaxRows(value.GetTensorData<float>(), labels),
            _ => null,
        };
        if (names is null)
        {
            return false;
        }
        if (!started)
        {
            writer.WriteStartObject("labels");
            started = true;
        }
        writer.WriteStartArray(name);
        foreach (var label in names)
        {
            writer.WriteStringValue(label);
        }
        writer.WriteEndArray();
        return true;
    }

    private static string LabelOf(IReadOnlyList<string> labels, long index) =>
        index >= 0 && index < labels.Count ? labels[(int)index] : index.ToString(CultureInfo.InvariantCulture);

    private static string[] ArgMaxRows(ReadOnlySpan<float> scores, IReadOnlyList<string> labels)
    {
        var classes = labels.Count;
        var rows = classes == 0 ? 0 : scores.Length / classes;
        var names = new string[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = scores.Slice(r * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }
            names[r] = labels[best];
        }
        return names;
    }
}
