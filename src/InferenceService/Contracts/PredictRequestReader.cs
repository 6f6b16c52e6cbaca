using InferenceService.Engine;
using System.Buffers;
using System.Text.Json;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using static InferenceService.Contracts.InferenceRequestReader;

namespace InferenceService.Contracts;

/// <summary>
/// A <c>POST /predict</c> body as read from its parsed document: views into the body, not copies. The inputs live in
/// a pooled array once <see cref="PredictRequestReader.ReadInputs"/> filled it: dispose once they are decoded.
/// </summary>
internal struct PredictRequestView : IDisposable
{
    private JsonInput[]? _inputs;
    private int _inputCount;

    /// <summary>The model the body names (null when it names none).</summary>
    public string? Model { get; init; }

    public string? Version { get; init; }

    public string? Id { get; init; }

    public JsonElement InputsElement { get; init; }

    public IReadOnlyList<string>? Outputs { get; init; }

    /// <summary>Ground truth to score the prediction against at once (Undefined when absent).</summary>
    public JsonElement Targets { get; init; }

    public readonly ReadOnlySpan<JsonInput> Inputs => _inputs.AsSpan(0, _inputCount);

    internal void SetInputs(JsonInput[] inputs, int count)
    {
        _inputs = inputs;
        _inputCount = count;
    }

    public void Dispose()
    {
        if (_inputs is not null)
        {
            ArrayPool<JsonInput>.Shared.Return(_inputs, clearArray: true);
            _inputs = null;
        }
    }
}

/// <summary>
/// Reads a <c>POST /predict</c> body in two steps around resolving the model it names: <see cref="Read"/> walks the
/// top level (every JSON-level problem: a value of the wrong kind, a property given twice), then
/// <see cref="ReadInputs"/> matches the inputs against the model's names in place (no string per name). Unknown
/// properties are ignored.
/// </summary>
internal static class PredictRequestReader
{
    public static PredictRequestView Read(in RequestBodyDocument body, ref RequestProblems problems)
    {
        var root = body.Root;
        if (root.ValueKind == JsonValueKind.Null)
        {
            problems.Add("The body must be a JSON object, not null.");
            return default;
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add(body.WrongType(root, "$"));
            return default;
        }
        JsonElement model = default, version = default, id = default, inputs = default, outputs = default, targets = default;
        foreach (var property in root.EnumerateObject())
        {
            ref var slot = ref property.NameEquals("inputs"u8) ? ref inputs
                : ref property.NameEquals("model"u8) ? ref model
                : ref property.NameEquals("version"u8) ? ref version
                : ref property.NameEquals("id"u8) ? ref id
                : ref property.NameEquals("outputs"u8) ? ref outputs
                : ref property.NameEquals("targets"u8) ? ref targets
                : ref System.Runtime.CompilerServices.Unsafe.NullRef<JsonElement>();
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot))
            {
                continue;
            }
            if (slot.ValueKind != JsonValueKind.Undefined)
            {
                problems.Add(body.GivenTwice(property.Value, "$." + property.Name));
                continue;
            }
            slot = property.Value;
        }
        var modelName = ReadString(body, model, "$.model", ref problems);
        var versionText = ReadString(body, version, "$.version", ref problems);
        var idText = ReadString(body, id, "$.id", ref problems);
        if (!Fits(inputs, JsonValueKind.Object))
        {
            problems.Add(body.WrongType(inputs, "$.inputs"));
        }
        var outputNames = ReadOutputs(body, outputs, ref problems);
        if (targets.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            CheckNoDuplicates(body, targets, "$.targets", ref problems);
        }
        return new PredictRequestView
        {
            Model = modelName,
            Version = versionText,
            Id = idText,
            InputsElement = inputs,
            Outputs = outputNames,
            Targets = targets,
        };
    }

    /// <summary>The inputs, one per property of <c>inputs</c>, named with the model's own strings where it has them.</summary>
    public static void ReadInputs(in RequestBodyDocument body, ref PredictRequestView request, LoadedModel model, ref RequestProblems problems)
    {
        var inputs = request.InputsElement;
        if (inputs.ValueKind != JsonValueKind.Object || !HasProperties(inputs))
        {
            problems.Add($"\"inputs\" is required: an object with one entry per input ({model.InputNames}).");
            return;
        }
        var count = 0;
        foreach (var _ in inputs.EnumerateObject())
        {
            count++;
        }
        var views = ArrayPool<JsonInput>.Shared.Rent(count);
        var filled = 0;
        foreach (var property in inputs.EnumerateObject())
        {
            var name = ModelName(model, property);
            var repeated = false;
            for (var i = 0; i < filled; i++)
            {
                repeated |= ReferenceEquals(views[i].Name, name) || string.Equals(views[i].Name, name, StringComparison.Ordinal);
            }
            if (repeated)
            {
                problems.Add(body.GivenTwice(property.Value, $"$.inputs.{property.Name}"));
                continue;
            }
            views[filled++] = body.NumberArrayOf(property.Value) is { } numbers
                ? JsonInput.Nested(name, numbers)
                : JsonInput.Nested(name, property.Value);
        }
        request.SetInputs(views, filled);
    }

    private static bool HasProperties(JsonElement value)
    {
        foreach (var _ in value.EnumerateObject())
        {
            return true;
        }
        return false;
    }

    private static string ModelName(LoadedModel model, JsonProperty property)
    {
        foreach (var input in model.Inputs)
        {
            if (property.NameEquals(input.Name))
            {
                return input.Name;
            }
        }
        return property.Name;
    }

    private static IReadOnlyList<string>? ReadOutputs(in RequestBodyDocument body, JsonElement outputs, ref RequestProblems problems)
    {
        if (outputs.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }
        if (outputs.ValueKind != JsonValueKind.Array)
        {
            problems.Add(body.WrongType(outputs, "$.outputs"));
            return null;
        }
        var names = new List<string>(outputs.GetArrayLength());
        var index = 0;
        foreach (var output in outputs.EnumerateArray())
        {
            if (output.ValueKind == JsonValueKind.Null)
            {
                problems.Add($"outputs[{index}] must be an output name, not null.");
            }
            else if (output.ValueKind != JsonValueKind.String)
            {
                problems.Add(body.WrongType(output, $"$.outputs[{index}]"));
            }
            else
            {
                names.Add(output.GetString()!);
            }
            index++;
        }
        return names;
    }
}
