using InferenceService.Engine.Scheduling;
using System.Text.Json;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;

namespace InferenceService.Endpoints;

/// <summary>Writes the Open Inference Protocol infer response straight from the output tensors with Utf8JsonWriter.</summary>
internal static class InferenceResponseWriter
{
    public static void Write(Utf8JsonWriter writer, InferenceResult result, string id)
    {
        writer.WriteStartObject();
        writer.WriteString("model_name"u8, result.Model.Name);
        writer.WriteString("model_version"u8, result.Model.VersionText);
        writer.WriteString("id"u8, id);
        writer.WriteStartArray("outputs"u8);
        for (var i = 0; i < result.Outputs.Count; i++)
        {
            var value = result.Values[i];
            writer.WriteStartObject();
            writer.WriteString("name"u8, result.Outputs[i].Name);
            writer.WriteString("datatype"u8, TensorDataType.ToProtocolName(value.ElementType));
            writer.WriteStartArray("shape"u8);
            var shape = value.Shape;
            for (var d = 0; d < shape.Count; d++)
            {
                writer.WriteNumberValue(shape[d]);
            }
            writer.WriteEndArray();
            writer.WritePropertyName("data"u8);
            JsonTensorEncoder.WriteFlat(writer, value);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
