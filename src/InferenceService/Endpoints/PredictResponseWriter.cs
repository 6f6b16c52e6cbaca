using System.Globalization;
using System.Text.Json;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Endpoints;

/// <summary>
/// Writes the <c>/predict</c> answer straight from the output tensors with Utf8JsonWriter: no intermediate objects.
/// An output with a label file also gets its label names: class indices map to names one for one; class scores
/// ([batch, classes]) give the name of the highest score of each row.
/// </summary>
internal static class PredictResponseWriter
{
    public static void Write(Utf8JsonWriter writer, InferenceResult result, string id, Contracts.OutputChoices? choices)
    {
        _ = choices; // /predict answers JSON only
        writer.WriteStartObject();
        writer.WriteString("model"u8, result.Model.Name);
        writer.WriteString("version"u8, result.Model.VersionText);
        writer.WriteString("id"u8, id);
        writer.WriteStartObject("outputs"u8);
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
                WriteLabels(writer, result.Outputs[i].Name, result.Values[i], labels, ref labelled);
            }
        }
        if (labelled)
        {
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    /// <summary>Writes the label names of one output, if its values are class indices or per-class scores.</summary>
    private static void WriteLabels(Utf8JsonWriter writer, string name, OutputTensor value, IReadOnlyList<string> labels, ref bool started)
    {
        var shape = value.Shape;
        var isScores = value.ElementType == TensorElementType.Float && shape.Count == 2 && labels.Count > 0 && shape[1] == labels.Count;
        if (!isScores && value.ElementType is not (TensorElementType.Int64 or TensorElementType.Int32))
        {
            return;
        }
        if (!started)
        {
            writer.WriteStartObject("labels"u8);
            started = true;
        }
        writer.WriteStartArray(name);
        if (isScores)
        {
            var scores = value.GetTensorData<float>();
            for (var row = 0; row < scores.Length; row += labels.Count)
            {
                writer.WriteStringValue(labels[ArgMax(scores.Slice(row, labels.Count))]);
            }
        }
        else if (value.ElementType == TensorElementType.Int64)
        {
            foreach (var index in value.GetTensorData<long>())
            {
                writer.WriteStringValue(LabelOf(labels, index));
            }
        }
        else
        {
            foreach (var index in value.GetTensorData<int>())
            {
                writer.WriteStringValue(LabelOf(labels, index));
            }
        }
        writer.WriteEndArray();
    }

    private static string LabelOf(IReadOnlyList<string> labels, long index) =>
        index >= 0 && index < labels.Count ? labels[(int)index] : index.ToString(CultureInfo.InvariantCulture);

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best])
            {
                best = c;
            }
        }
        return best;
    }
}
