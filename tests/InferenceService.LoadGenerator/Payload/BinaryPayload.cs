using System.Text.Json;
using InferenceService.LoadGenerator.Load;

namespace InferenceService.LoadGenerator.Payload;

/// <summary>
/// A JSON payload rewritten in the binary tensor data layout (<c>--binary</c>): the same inputs, each with
/// <c>parameters.binary_data_size</c> and its elements as raw bytes after the JSON, and every output asked for as
/// binary (<c>binary_data_output</c>), so the server neither parses nor writes tensor JSON.
/// </summary>
internal static class BinaryPayload
{
    public static InferPayload From(InferPayload json, string model)
    {
        if (json.HeaderLength is not null)
        {
            return json;
        }
        var request = GrpcRequestSender.ToRequest(model, null, json.Body);
        var raw = request.Inputs.Select(i => i.RawData.ToArray()).ToArray();
        using var header = new MemoryStream();
        using (var writer = new Utf8JsonWriter(header))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("parameters");
            writer.WriteBoolean("binary_data_output", true);
            writer.WriteEndObject();
            writer.WriteStartArray("inputs");
            for (var i = 0; i < request.Inputs.Count; i++)
            {
                var input = request.Inputs[i];
                writer.WriteStartObject();
                writer.WriteString("name", input.Name);
                writer.WriteStartArray("shape");
                foreach (var dim in input.Shape)
                {
                    writer.WriteNumberValue(dim);
                }
                writer.WriteEndArray();
                writer.WriteString("datatype", Client.TensorDatatypes.ToName(input.Datatype));
                writer.WriteStartObject("parameters");
                writer.WriteNumber("binary_data_size", raw[i].Length);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            if (request.Outputs.Count > 0)
            {
                writer.WriteStartArray("outputs");
                foreach (var output in request.Outputs)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", output);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        var body = header.ToArray().Concat(raw.SelectMany(r => r)).ToArray();
        return new InferPayload(body, json.RowsPerRequest, json.Source + " (binary)", (int)header.Length);
    }
}
