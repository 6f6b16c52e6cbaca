using System.Runtime.InteropServices;
using System.Text.Json;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

using InferenceService.Engine;

namespace InferenceService.Fuzz;

/// <summary>
/// What the fuzzers run, and what the corpus regression tests (tests/InferenceService.Engine.Tests/Fuzz) run on
/// every kept input: any bytes go in; a client error (<see cref="InferenceException"/>, a JSON parse error) is the
/// expected way out; any other exception, a hang or a crash is a bug.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The targets by name (the fuzzer's first argument and the corpus folder's name).</summary>
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["json-tensor"] = JsonTensor,
        ["config-json"] = ConfigJson,
        ["binary-tensor"] = BinaryTensor,
    };

    private static readonly TensorElementType[] s_types =
    [
        TensorElementType.Float, TensorElementType.Double, TensorElementType.Float16, TensorElementType.BFloat16,
        TensorElementType.Int8, TensorElementType.Int16, TensorElementType.Int32, TensorElementType.Int64,
        TensorElementType.UInt8, TensorElementType.UInt16, TensorElementType.UInt32, TensorElementType.UInt64,
        TensorElementType.Bool, TensorElementType.String,
    ];

    /// <summary>
    /// The JSON tensor decoder: the first byte picks the element type, the rest is a JSON value: either an Open
    /// Inference Protocol input (<c>{"shape": [...], "data": ...}</c>) or the simple API's nested arrays.
    /// </summary>
    public static void JsonTensor(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }
        var type = s_types[input[0] % s_types.Length];
        // What every caller guarantees the decoder (RequestBodyDocument refuses a body that is not UTF-8).
        if (!System.Text.Unicode.Utf8.IsValid(input.AsSpan(1)))
        {
            return;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(input.AsMemory(1));
        }
        catch (JsonException)
        {
            return;
        }
        using (document)
        {
            try
            {
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("shape", out var shapeElement) && root.TryGetProperty("data", out var data))
                {
                    if (shapeElement.ValueKind != JsonValueKind.Array || shapeElement.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out _)))
                    {
                        return;
                    }
                    var shape = shapeElement.EnumerateArray().Select(d => d.GetInt64()).ToArray();
                    var fromDocument = Outcome(() => JsonTensorDecoder.DecodeWithShape("x", data, type, shape));
                    // The server reads a flat array of numbers from its text instead: it must come to the same.
                    var text = JsonMarshal.GetRawUtf8Value(data).ToArray();
                    if (data.ValueKind == JsonValueKind.Array && JsonNumberArray.TryMeasure(text, 0, 1, out var end, out var flat, out var count))
                    {
                        var numbers = new JsonNumberArray(text.AsMemory(0, end), flat, count);
                        SameOutcome(type, fromDocument, Outcome(() => JsonTensorDecoder.Decode("x", numbers, type, JsonTensorDecoder.MeasureWithShape("x", numbers, shape))));
                    }
                }
                else
                {
                    var fromDocument = Outcome(() => JsonTensorDecoder.DecodeNested("x", root, type));
                    // The server reads a rectangular nest of numbers from its text instead: it must come to the same.
                    var text = JsonMarshal.GetRawUtf8Value(root).ToArray();
                    if (root.ValueKind == JsonValueKind.Array && JsonNumberArray.TryMeasure(text, 0, JsonTensorDecoder.MaxRank, out var end, out var nesting, out var count))
                    {
                        var numbers = new JsonNumberArray(text.AsMemory(0, end), nesting, count);
                        SameOutcome(type, fromDocument, Outcome(() => JsonTensorDecoder.Decode("x", numbers, type, JsonTensorDecoder.MeasureNested("x", numbers))));
                    }
                }
            }
            catch (InferenceException)
            {
                // A client's mistake, answered 400.
            }
        }
    }

    private static void SameOutcome(TensorElementType type, string fromDocument, string fromText)
    {
        if (fromText != fromDocument)
        {
            throw new InvalidOperationException($"Decoding {type} from the text gave '{fromText}', from the document '{fromDocument}'.");
        }
    }

    /// <summary>A decode's outcome as text: the tensor's type, shape and bytes, or the client error's message.</summary>
    private static string Outcome(Func<InputTensor> decode)
    {
        try
        {
            using var tensor = decode();
            var bytes = tensor.ElementType == TensorElementType.String ? "" : Convert.ToHexString(tensor.Data.Span);
            return $"{tensor.ElementType} [{string.Join(",", tensor.Shape)}] {bytes}";
        }
        catch (InferenceException e)
        {
            return "error: " + e.Message;
        }
    }

    /// <summary>
    /// The raw tensor decoder behind the binary tensor data extension and gRPC's raw contents: the first byte picks the
    /// element type, the second the rank (0 to 4), one byte per dimension follows, and the rest is the tensor's bytes.
    /// </summary>
    public static void BinaryTensor(byte[] input)
    {
        if (input.Length < 2)
        {
            return;
        }
        var type = s_types[input[0] % s_types.Length];
        var rank = input[1] % 5;
        if (input.Length < 2 + rank)
        {
            return;
        }
        var shape = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            shape[i] = input[2 + i];
        }
        try
        {
            using var tensor = RawTensorDecoder.Decode("x", type, shape, input.AsMemory(2 + rank));
        }
        catch (InferenceException)
        {
            // A client's mistake, answered 400.
        }
    }

    /// <summary>config.json: parsed and validated as the repository scan does, against an empty model folder.</summary>
    public static void ConfigJson(byte[] input)
    {
        var problems = new List<string>();
        var config = ModelRepositoryScanner.ParseConfig(input, problems);
        problems.AddRange(ModelConfigValidator.Validate(config, "fuzzed", EmptyFolder.Value));
        _ = ModelParameters.Parse(config.Parameters, problems);
    }

    private static readonly Lazy<string> EmptyFolder = new(() => Directory.CreateTempSubdirectory("inference-fuzz-").FullName);
}
