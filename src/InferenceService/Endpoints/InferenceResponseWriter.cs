using System.Buffers;
using System.Text.Encodings.Web;
using InferenceService.Engine.Scheduling;
using System.Text.Json;
using InferenceService.Contracts;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;

namespace InferenceService.Endpoints;

/// <summary>
/// Writes the Open Inference Protocol infer response straight from the output tensors with Utf8JsonWriter; outputs
/// asked for as binary data go out after the JSON as raw bytes, written from ONNX Runtime's memory, and outputs asked
/// for as classifications as their top classes (BYTES).
/// </summary>
internal static class InferenceResponseWriter
{
    private static readonly JsonWriterOptions s_headerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    // The JSON header of a binary answer is written here first: its length goes in a response header before the body.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_header;

    [ThreadStatic]
    private static Utf8JsonWriter? t_headerWriter;

    /// <summary>An all-JSON answer (<see cref="AnswerWriter"/>).</summary>
    public static void Write(Utf8JsonWriter writer, InferenceResult result, string id, OutputChoices? choices) =>
        WriteJson(writer, result, id, choices, Classifications.Classify(result, choices), binary: false);

    /// <summary>Whether the answer has binary data after its JSON.</summary>
    public static bool HasBinary(InferenceResult result, OutputChoices? choices) => choices?.AnyBinary(result.Outputs.Count) == true;

    /// <summary>
    /// A binary answer: the JSON header (its length in <c>Inference-Header-Content-Length</c>), then each binary output's
    /// raw bytes in the order of the outputs, all into the response's body writer (the caller flushes).
    /// </summary>
    public static void WriteBinary(HttpResponse response, InferenceResult result, string id, OutputChoices choices)
    {
        var classified = Classifications.Classify(result, choices);
        var header = t_header ??= new ArrayBufferWriter<byte>(4096);
        header.ResetWrittenCount();
        var json = t_headerWriter ??= new Utf8JsonWriter(header, s_headerOptions);
        json.Reset(header);
        WriteJson(json, result, id, choices, classified, binary: true);
        json.Flush();

        long total = header.WrittenCount;
        for (var i = 0; i < result.Outputs.Count; i++)
        {
            if (choices.IsBinary(i))
            {
                total += classified?[i] is { } classes ? RawTensorEncoder.ByteLength(classes.Values) : RawTensorEncoder.ByteLength(result.Values[i]);
            }
        }
        response.Headers[BinaryTensorHeaders.HeaderLengthName] = header.WrittenCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.ContentType = BinaryTensorHeaders.OctetStream;
        response.ContentLength = total;
        var body = response.BodyWriter;
        body.Write(header.WrittenSpan);
        for (var i = 0; i < result.Outputs.Count; i++)
        {
            if (!choices.IsBinary(i))
            {
                continue;
            }
            if (classified?[i] is { } classes)
            {
                RawTensorEncoder.WriteStrings(body, classes.Values);
            }
            else
            {
                RawTensorEncoder.Write(body, result.Values[i]);
            }
        }
        if (header.Capacity > 1024 * 1024)
        {
            t_header = null; // a huge JSON header (a long classification) is not kept by the thread
        }
    }

    private static void WriteJson(Utf8JsonWriter writer, InferenceResult result, string id, OutputChoices? choices, ClassifiedOutput?[]? classified, bool binary)
    {
        writer.WriteStartObject();
        writer.WriteString("model_name"u8, result.Model.Name);
        writer.WriteString("model_version"u8, result.Model.VersionText);
        writer.WriteString("id"u8, id);
        writer.WriteStartArray("outputs"u8);
        for (var i = 0; i < result.Outputs.Count; i++)
        {
            var value = result.Values[i];
            var classes = classified?[i];
            writer.WriteStartObject();
            writer.WriteString("name"u8, result.Outputs[i].Name);
            writer.WriteString("datatype"u8, classes is null ? TensorDataType.ToProtocolName(value.ElementType) : "BYTES");
            writer.WriteStartArray("shape"u8);
            if (classes is null)
            {
                var shape = value.Shape;
                for (var d = 0; d < shape.Count; d++)
                {
                    writer.WriteNumberValue(shape[d]);
                }
            }
            else
            {
                foreach (var dim in classes.Shape)
                {
                    writer.WriteNumberValue(dim);
                }
            }
            writer.WriteEndArray();
            if (binary && choices!.IsBinary(i))
            {
                writer.WriteStartObject("parameters"u8);
                writer.WriteNumber(BinaryTensorHeaders.BinaryDataSize, classes is null ? RawTensorEncoder.ByteLength(value) : RawTensorEncoder.ByteLength(classes.Values));
                writer.WriteEndObject();
            }
            else if (classes is null)
            {
                writer.WritePropertyName("data"u8);
                JsonTensorEncoder.WriteFlat(writer, value);
            }
            else
            {
                writer.WriteStartArray("data"u8);
                foreach (var text in classes.Values)
                {
                    writer.WriteStringValue(text);
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
