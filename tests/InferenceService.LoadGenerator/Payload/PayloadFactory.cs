using System.Text;
using System.Text.Json;

namespace InferenceService.LoadGenerator.Payload;

/// <summary>
/// Makes the request body of a run: from a file the user wrote, or random values shaped by the model's metadata with
/// the batch size asked for. Generated values are small numbers written with few digits, so the body's size reflects
/// the tensor, not float formatting.
/// </summary>
internal static class PayloadFactory
{
    /// <summary>The most elements one generated request may hold (64 Mi): beyond it the server would refuse the body anyway.</summary>
    public const long MaxGeneratedElements = 64L * 1024 * 1024;

    /// <summary>Reads a request body from a file; throws <see cref="FormatException"/> if it is not an infer request.</summary>
    public static InferPayload FromFile(string path)
    {
        var body = File.ReadAllBytes(path);
        try
        {
            var headerLength = BinaryPayloadFile.JsonHeaderLength(body);
            using var document = JsonDocument.Parse(body.AsMemory(0, headerLength ?? body.Length));
            var inputs = document.RootElement.GetProperty("inputs");
            if (inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
            {
                throw new FormatException($"{path}: \"inputs\" must be a non-empty list.");
            }
            var shape = inputs[0].GetProperty("shape");
            var rows = shape.GetArrayLength() == 0 ? 1 : shape[0].GetInt64();
            return new InferPayload(body, rows, path, headerLength);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"{path} is not an Open Inference Protocol infer request (inputs with name, shape, datatype, data): {e.Message}", e);
        }
    }

    /// <summary>A request with random inputs: <paramref name="batchSize"/> rows in the first dimension of every input.</summary>
    public static InferPayload Generate(ModelMetadata metadata, int batchSize, int seed)
    {
        var random = new Random(seed);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("inputs");
            foreach (var input in metadata.Inputs)
            {
                var shape = ConcreteShape(input, batchSize);
                writer.WriteStartObject();
                writer.WriteString("name", input.Name);
                writer.WriteStartArray("shape");
                shape.ForEach(writer.WriteNumberValue);
                writer.WriteEndArray();
                writer.WriteString("datatype", input.Datatype);
                writer.WriteStartArray("data");
                var count = shape.Aggregate(1L, (a, b) => a * b);
                for (long i = 0; i < count; i++)
                {
                    WriteRandomElement(writer, input.Datatype, random);
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return new InferPayload(buffer.ToArray(), batchSize, "generated");
    }

    /// <summary>
    /// The shape to send: the first dynamic dimension is the batch. Another dynamic dimension has no size anyone can
    /// guess (a sequence length, an image side), so it is refused with a pointer to --payload instead.
    /// </summary>
    internal static List<long> ConcreteShape(MetadataInput input, int batchSize)
    {
        var shape = new List<long>(input.Shape.Count);
        for (var i = 0; i < input.Shape.Count; i++)
        {
            var dim = input.Shape[i];
            if (dim < 0 && i > 0)
            {
                throw new FormatException($"Input '{input.Name}' has a dynamic dimension {i} (shape [{string.Join(", ", input.Shape)}]) whose size cannot be guessed; write a request body and pass it with --payload.");
            }
            shape.Add(dim < 0 ? batchSize : dim);
        }
        if (shape.Aggregate(1L, (a, b) => a * Math.Max(b, 1)) > MaxGeneratedElements)
        {
            throw new FormatException($"Input '{input.Name}' with shape [{string.Join(", ", shape)}] is too large to generate; lower --batch-size.");
        }
        return shape;
    }

    private static void WriteRandomElement(Utf8JsonWriter writer, string datatype, Random random)
    {
        switch (datatype)
        {
            case "FP32" or "FP64" or "FP16" or "BF16":
                // Three decimals in [-1, 1): values every float type holds, written in at most six characters.
                writer.WriteNumberValue(Math.Round((random.NextDouble() * 2) - 1, 3));
                break;
            case "INT8" or "INT16" or "INT32" or "INT64" or "UINT8" or "UINT16" or "UINT32" or "UINT64":
                writer.WriteNumberValue(random.Next(0, 10));
                break;
            case "BOOL":
                writer.WriteBooleanValue(random.Next(2) == 1);
                break;
            case "BYTES":
                writer.WriteStringValue(Encoding.ASCII.GetString([(byte)('a' + random.Next(26))]));
                break;
            default:
                throw new FormatException($"Datatype {datatype} cannot be generated; write a request body and pass it with --payload.");
        }
    }
}
