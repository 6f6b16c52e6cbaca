using System.Globalization;
using System.Text.Json;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;

namespace InferenceService.Endpoints;

/// <summary>Writes the Open Inference Protocol infer response straight from the output tensors with Utf8JsonWriter.</summary>
internal static class InferenceResponseWriter
{
    public static async Task WriteAsync(HttpResponse response, InferenceResult result, string id, CancellationToken cancellationToken)
    {
        response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("model_name", result.Model.Name);
        writer.WriteString("model_version", result.Model.Version.ToString(CultureInfo.InvariantCulture));
        writer.WriteString("id", id);
        writer.WriteStartArray("outputs");
        for (var i = 0; i < result.Outputs.Count; i++)
        {
            var value = result.Values[i];
            writer.WriteStartObject();
            writer.WriteString("name", result.Outputs[i].Name);
            writer.WriteString("datatype", TensorDataType.ToProtocolName(value.ElementType));
            writer.WriteStartArray("shape");
            foreach (var dim in value.Shape)
            {
                writer.WriteNumberValue(dim);
            }
            writer.WriteEndArray();
            writer.WritePropertyName("data");
            JsonTensorEncoder.WriteFlat(writer, value);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
    }
}
