using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace InferenceService.Client.Http;

/// <summary>
/// Tensors in the REST API's JSON: flat, row-major data; FP16 and BF16 as numbers; NaN and the infinities as the
/// strings "NaN", "Infinity" and "-Infinity" (as the server writes and reads them); BYTES as strings (UTF-8 text).
/// </summary>
internal static class JsonTensors
{
    private static readonly JsonWriterOptions s_options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] WriteRequest(InferRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        WriteHeader(buffer, request, binary: false);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The request's JSON object into <paramref name="buffer"/>. <paramref name="binary"/>: the binary tensor data
    /// extension's header, each input with <c>parameters.binary_data_size</c> in place of its data (the raw bytes
    /// follow the JSON, in the order of the inputs) and every output asked for as binary data.
    /// </summary>
    public static void WriteHeader(IBufferWriter<byte> buffer, InferRequest request, bool binary)
    {
        using var writer = new Utf8JsonWriter(buffer, s_options);
        writer.WriteStartObject();
        if (request.Id is not null)
        {
            writer.WriteString("id"u8, request.Id);
        }
        if (request.QueueTimeout is not null || binary)
        {
            writer.WriteStartObject("parameters"u8);
            if (request.QueueTimeout is { } timeout)
            {
                writer.WriteNumber("timeout"u8, Math.Max(1, (long)timeout.TotalMicroseconds));
            }
            if (binary)
            {
                writer.WriteBoolean(BinaryTensors.BinaryDataOutput, true);
            }
            writer.WriteEndObject();
        }
        writer.WriteStartArray("inputs"u8);
        foreach (var input in request.Inputs)
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, input.Name);
            writer.WriteString("datatype"u8, input.Datatype.ToName());
            writer.WriteStartArray("shape"u8);
            foreach (var dim in input.Shape)
            {
                writer.WriteNumberValue(dim);
            }
            writer.WriteEndArray();
            if (binary)
            {
                writer.WriteStartObject("parameters"u8);
                writer.WriteNumber(BinaryTensors.BinaryDataSize, input.RawByteLength);
                writer.WriteEndObject();
            }
            else
            {
                writer.WritePropertyName("data"u8);
                WriteData(writer, input);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        var outputs = request.RequestedOutputs().ToArray();
        if (outputs.Length > 0)
        {
            writer.WriteStartArray("outputs"u8);
            foreach (var output in outputs)
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, output);
                var classes = request.ClassificationOf(output);
                if (classes > 0 || binary)
                {
                    writer.WriteStartObject("parameters"u8);
                    if (classes > 0)
                    {
                        writer.WriteNumber("classification"u8, classes);
                    }
                    if (binary)
                    {
                        writer.WriteBoolean(BinaryTensors.BinaryData, true);
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    public static InferResult ReadResult(JsonElement root) =>
        ReadResult(root, root.GetProperty("outputs").EnumerateArray().Select(ReadOutput).ToArray());

    /// <summary>The result of an answer whose outputs are read already (<paramref name="outputs"/>).</summary>
    public static InferResult ReadResult(JsonElement root, IReadOnlyList<InferTensor> outputs)
    {
        return new InferResult(
            root.GetProperty("model_name").GetString() ?? "",
            root.TryGetProperty("model_version", out var version) ? version.GetString() ?? "" : "",
            root.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "",
            outputs);
    }

    public static InferTensor ReadOutput(JsonElement output)
    {
        var name = output.GetProperty("name").GetString() ?? "";
        var datatype = TensorDatatypes.Parse(output.GetProperty("datatype").GetString());
        var shape = output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        var data = output.GetProperty("data");
        var values = Flatten(data).ToArray();
        if (datatype == TensorDatatype.Bytes)
        {
            return InferTensor.FromElements(name, shape, values.Select(v => Encoding.UTF8.GetBytes(v.GetString() ?? "")).ToArray());
        }
        var size = datatype.SizeOf();
        var raw = new byte[values.Length * size];
        for (var i = 0; i < values.Length; i++)
        {
            WriteElement(raw.AsSpan(i * size, size), datatype, values[i]);
        }
        return InferTensor.FromRaw(name, datatype, shape, raw);
    }

    private static IEnumerable<JsonElement> Flatten(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Array)
        {
            yield return data;
            yield break;
        }
        foreach (var item in data.EnumerateArray())
        {
            foreach (var leaf in Flatten(item))
            {
                yield return leaf;
            }
        }
    }

    private static void WriteElement(Span<byte> destination, TensorDatatype datatype, JsonElement value)
    {
        switch (datatype)
        {
            case TensorDatatype.Bool: destination[0] = value.GetBoolean() ? (byte)1 : (byte)0; break;
            case TensorDatatype.UInt8: destination[0] = value.GetByte(); break;
            case TensorDatatype.Int8: destination[0] = unchecked((byte)value.GetSByte()); break;
            case TensorDatatype.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(destination, value.GetUInt16()); break;
            case TensorDatatype.Int16: BinaryPrimitives.WriteInt16LittleEndian(destination, value.GetInt16()); break;
            case TensorDatatype.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(destination, value.GetUInt32()); break;
            case TensorDatatype.Int32: BinaryPrimitives.WriteInt32LittleEndian(destination, value.GetInt32()); break;
            case TensorDatatype.UInt64: BinaryPrimitives.WriteUInt64LittleEndian(destination, value.GetUInt64()); break;
            case TensorDatatype.Int64: BinaryPrimitives.WriteInt64LittleEndian(destination, value.GetInt64()); break;
            // Half and BFloat16 parse their shortest round-trip text exactly: the number the server wrote.
            case TensorDatatype.Fp16: BinaryPrimitives.WriteHalfLittleEndian(destination, value.ValueKind == JsonValueKind.String ? (Half)Special(value) : Half.Parse(value.GetRawText(), CultureInfo.InvariantCulture)); break;
            case TensorDatatype.Fp32: BinaryPrimitives.WriteSingleLittleEndian(destination, value.ValueKind == JsonValueKind.String ? (float)Special(value) : value.GetSingle()); break;
            case TensorDatatype.Fp64: BinaryPrimitives.WriteDoubleLittleEndian(destination, value.ValueKind == JsonValueKind.String ? Special(value) : value.GetDouble()); break;
            case TensorDatatype.Bf16: BinaryPrimitives.WriteUInt16LittleEndian(destination, BFloat16.FromSingle(value.ValueKind == JsonValueKind.String ? (float)Special(value) : value.GetSingle()).Bits); break;
            default: throw new InvalidOperationException($"{datatype.ToName()} has no fixed size.");
        }
    }

    private static double Special(JsonElement value) => value.GetString() switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        var other => throw new FormatException($"\"{other}\" is not a number."),
    };

    private static void WriteData(Utf8JsonWriter writer, InferTensor tensor)
    {
        writer.WriteStartArray();
        switch (tensor.Datatype)
        {
            case TensorDatatype.Bool: foreach (var v in tensor.AsSpan<bool>()) { writer.WriteBooleanValue(v); } break;
            case TensorDatatype.UInt8: foreach (var v in tensor.AsSpan<byte>()) { writer.WriteNumberValue(v); } break;
            case TensorDatatype.UInt16: foreach (var v in tensor.AsSpan<ushort>()) { writer.WriteNumberValue(v); } break;
            case TensorDatatype.UInt32: foreach (var v in tensor.AsSpan<uint>()) { writer.WriteNumberValue(v); } break;
            case TensorDatatype.UInt64: foreach (var v in tensor.AsSpan<ulong>()) { writer.WriteNumberValue(v); } break;
            case TensorDatatype.Int8: foreach (var v in tensor.AsSpan<sbyte>()) { writer.WriteNumberValue(v); } break;
            case TensorDatatype.Int16: foreach (var v in tensor.AsSpan<short>()) { writer.WriteNumberValue(v); } break;
            case TensorDatatype.Int32: foreach (var v in tensor.AsSpan<int>()) { writer.WriteNumberValue(v); } break;
            case TensorDatatype.Int64: foreach (var v in tensor.AsSpan<long>()) { writer.WriteNumberValue(v); } break;
            case TensorDatatype.Fp16: foreach (var v in tensor.AsSpan<Half>()) { WriteFloat(writer, (float)v); } break;
            case TensorDatatype.Fp32: foreach (var v in tensor.AsSpan<float>()) { WriteFloat(writer, v); } break;
            case TensorDatatype.Fp64: foreach (var v in tensor.AsSpan<double>()) { WriteDouble(writer, v); } break;
            case TensorDatatype.Bf16: foreach (var v in tensor.AsSpan<BFloat16>()) { WriteFloat(writer, v.ToSingle()); } break;
            case TensorDatatype.Bytes: foreach (var v in tensor.Elements!) { writer.WriteStringValue(Encoding.UTF8.GetString(v)); } break;
        }
        writer.WriteEndArray();
    }

    private static void WriteFloat(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(float.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}
