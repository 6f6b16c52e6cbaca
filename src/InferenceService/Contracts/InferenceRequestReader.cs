using InferenceService.Engine;
using System.Buffers;
using System.Text.Json;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;

namespace InferenceService.Contracts;

/// <summary>
/// An Open Inference Protocol infer request as read from its parsed body: views into the body, not copies. The inputs
/// live in a pooled array: dispose once <see cref="InferencePipeline.Decode"/> has read them.
/// </summary>
internal struct InferenceRequestView : IDisposable
{
    private JsonInput[]? _inputs;

    public InferenceRequestView(JsonInput[]? inputs, int inputCount)
    {
        _inputs = inputs;
        InputCount = inputCount;
    }

    public string? Id { get; init; }

    public int InputCount { get; }

    /// <summary>The inputs that were complete (name, datatype, shape, data), in the request's order.</summary>
    public readonly ReadOnlySpan<JsonInput> Inputs => _inputs.AsSpan(0, InputCount);

    public IReadOnlyList<string>? Outputs { get; init; }

    public TimeSpan? QueueTimeout { get; init; }

    /// <summary>Binary and classification choices for the outputs; null when the request makes none (all JSON tensors).</summary>
    public OutputChoices? Choices { get; init; }

    /// <summary><c>parameters.targets</c>: ground truth to score the prediction against at once (Undefined when absent).</summary>
    public JsonElement Targets { get; init; }

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
/// Reads an Open Inference Protocol infer request (<c>POST /v2/models/{m}/infer</c>) from its parsed body in one walk,
/// against the model the route named: every JSON-level problem (a value of the wrong kind, a property given twice)
/// and every missing or malformed field of an input is added to the request's problems; input and output names are
/// matched against the model's in place, so a well-formed request allocates only the shapes (which become the
/// tensors') and its id. Unknown properties are ignored, as the protocol allows.
/// </summary>
internal static class InferenceRequestReader
{
    public const string TimeoutParameter = "timeout";
    public const string TargetsParameter = "targets";

    private const long MaxTimeoutMicroseconds = 86_400_000_000;
    private const string Datatypes = "BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, BF16, FP32, FP64, BYTES";

    /// <returns>The request; with JSON-level problems, an empty one (the problems say why).</returns>
    public static InferenceRequestView Read(in RequestBodyDocument body, LoadedModel model, ref RequestProblems problems)
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
        JsonElement id = default, parameters = default, inputs = default, outputs = default;
        foreach (var property in root.EnumerateObject())
        {
            ref var slot = ref Slot(property, ref id, ref parameters, ref inputs, ref outputs);
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
        var jsonProblems = problems.Count;
        var idText = ReadString(body, id, "$.id", ref problems);
        if (!Fits(inputs, JsonValueKind.Array))
        {
            problems.Add(body.WrongType(inputs, "$.inputs"));
        }
        if (!Fits(outputs, JsonValueKind.Array))
        {
            problems.Add(body.WrongType(outputs, "$.outputs"));
        }
        if (!Fits(parameters, JsonValueKind.Object))
        {
            problems.Add(body.WrongType(parameters, "$.parameters"));
        }
        if (problems.Count > jsonProblems)
        {
            return default;
        }

        var (timeout, targets, binaryOutput) = ReadParameters(body, parameters, "$.parameters", ref problems);
        var (outputNames, perOutput) = ReadOutputs(body, model, outputs, ref problems);
        if (inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
        {
            problems.Add($"\"inputs\" is required: a list with one entry per input ({model.InputNames}).");
            return default;
        }
        var count = inputs.GetArrayLength();
        var views = ArrayPool<JsonInput>.Shared.Rent(count);
        var complete = 0;
        var index = 0;
        var binary = new BinarySections(body.Binary);
        foreach (var input in inputs.EnumerateArray())
        {
            if (ReadInput(body, model, input, index++, ref binary, ref problems) is { } view)
            {
                views[complete++] = view;
            }
        }
        binary.CheckAllUsed(body.HasHeaderLength, ref problems);
        var choices = binaryOutput || perOutput is not null ? new OutputChoices(binaryOutput, perOutput) : null;
        return new InferenceRequestView(views, complete) { Id = idText, Outputs = outputNames, QueueTimeout = timeout, Targets = targets, Choices = choices };
    }

    private static ref JsonElement Slot(JsonProperty property, ref JsonElement id, ref JsonElement parameters, ref JsonElement inputs, ref JsonElement outputs)
    {
        if (property.NameEquals("inputs"u8))
        {
            return ref inputs;
        }
        if (property.NameEquals("id"u8))
        {
            return ref id;
        }
        if (property.NameEquals("outputs"u8))
        {
            return ref outputs;
        }
        if (property.NameEquals("parameters"u8))
        {
            return ref parameters;
        }
        return ref System.Runtime.CompilerServices.Unsafe.NullRef<JsonElement>();
    }

    private static JsonInput? ReadInput(in RequestBodyDocument body, LoadedModel model, JsonElement input, int index, ref BinarySections binary, ref RequestProblems problems)
    {
        if (input.ValueKind == JsonValueKind.Null)
        {
            problems.Add($"inputs[{index}] must be an input object, not null.");
            return null;
        }
        if (input.ValueKind != JsonValueKind.Object)
        {
            problems.Add(body.WrongType(input, $"$.inputs[{index}]"));
            return null;
        }
        JsonElement name = default, shape = default, datatype = default, data = default, parameters = default;
        var before = problems.Count;
        foreach (var property in input.EnumerateObject())
        {
            ref var slot = ref InputSlot(property, ref name, ref shape, ref datatype, ref data, ref parameters);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot))
            {
                continue;
            }
            if (slot.ValueKind != JsonValueKind.Undefined)
            {
                problems.Add(body.GivenTwice(property.Value, $"$.inputs[{index}].{property.Name}"));
                continue;
            }
            slot = property.Value;
        }
        if (!Fits(name, JsonValueKind.String))
        {
            problems.Add(body.WrongType(name, $"$.inputs[{index}].name"));
        }
        if (!Fits(datatype, JsonValueKind.String))
        {
            problems.Add(body.WrongType(datatype, $"$.inputs[{index}].datatype"));
        }
        if (!Fits(shape, JsonValueKind.Array))
        {
            problems.Add(body.WrongType(shape, $"$.inputs[{index}].shape"));
        }
        if (!Fits(parameters, JsonValueKind.Object))
        {
            problems.Add(body.WrongType(parameters, $"$.inputs[{index}].parameters"));
        }
        var dims = shape.ValueKind == JsonValueKind.Array ? ReadShape(body, shape, index, ref problems) : null;
        var inputName = name.ValueKind == JsonValueKind.String ? ModelName(model, name) : null;
        var where = inputName is null ? $"inputs[{index}]" : $"Input '{inputName}'";
        // The binary data is taken in the inputs' order whatever else is wrong with one, so the others' bytes stay theirs.
        var raw = ReadBinaryDataSize(parameters, where, index, ref binary, ref problems, out var isBinary);
        if (problems.Count > before)
        {
            return null;
        }

        if (string.IsNullOrEmpty(inputName))
        {
            problems.Add($"inputs[{index}]: \"name\" is required.");
        }
        var type = default(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType);
        if (datatype.ValueKind != JsonValueKind.String || !TensorDataType.TryParse(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(datatype), out type))
        {
            // The raw text of a string with escapes is not its value: those go through the string parser.
            if (datatype.ValueKind != JsonValueKind.String || !TensorDataType.TryParse(datatype.GetString(), out type))
            {
                problems.Add($"{where}: \"datatype\" must be one of {Datatypes}" + (datatype.ValueKind == JsonValueKind.String ? $", not \"{datatype.GetString()}\"." : "."));
            }
        }
        if (dims is null)
        {
            problems.Add($"{where}: \"shape\" is required.");
        }
        if (isBinary && data.ValueKind != JsonValueKind.Undefined)
        {
            problems.Add($"{where} gives both \"data\" and parameters.{BinaryTensorHeaders.BinaryDataSize}: send its elements one way.");
        }
        else if (!isBinary && data.ValueKind == JsonValueKind.Undefined)
        {
            problems.Add($"{where}: \"data\" is required (or parameters.{BinaryTensorHeaders.BinaryDataSize}, with the elements as binary data after the JSON).");
        }
        if (problems.Count > before || (isBinary && raw is null))
        {
            return null;
        }
        if (isBinary)
        {
            return JsonInput.WithRawData(inputName!, type, dims!, raw!.Value);
        }
        return body.NumberArrayOf(data) is { } numbers
            ? JsonInput.WithShape(inputName!, type, dims!, numbers)
            : JsonInput.WithShape(inputName!, type, dims!, data);
    }

    /// <summary>
    /// The input's <c>parameters.binary_data_size</c>, taking that many bytes of the binary data (its slice, or null
    /// when the data is shorter: <see cref="BinarySections.CheckAllUsed"/> reports that once for the whole request).
    /// </summary>
    private static ReadOnlyMemory<byte>? ReadBinaryDataSize(JsonElement parameters, string where, int index, ref BinarySections binary, ref RequestProblems problems, out bool isBinary)
    {
        isBinary = false;
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var property in parameters.EnumerateObject())
        {
            if (!property.NameEquals(BinaryTensorHeaders.BinaryDataSize))
            {
                continue;
            }
            isBinary = true;
            if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt64(out var size) || size < 0)
            {
                problems.Add($"{where}: parameters.{BinaryTensorHeaders.BinaryDataSize} must be a whole number of bytes, 0 or more.");
                binary.Poison();
                return null;
            }
            return binary.Take(where, index, size);
        }
        return null;
    }

    private static ref JsonElement InputSlot(JsonProperty property, ref JsonElement name, ref JsonElement shape, ref JsonElement datatype, ref JsonElement data, ref JsonElement parameters)
    {
        if (property.NameEquals("data"u8))
        {
            return ref data;
        }
        if (property.NameEquals("name"u8))
        {
            return ref name;
        }
        if (property.NameEquals("shape"u8))
        {
            return ref shape;
        }
        if (property.NameEquals("datatype"u8))
        {
            return ref datatype;
        }
        if (property.NameEquals("parameters"u8))
        {
            return ref parameters;
        }
        return ref System.Runtime.CompilerServices.Unsafe.NullRef<JsonElement>();
    }

    /// <summary>The model's own string for an input name the request spells the same (no allocation), else the request's.</summary>
    private static string ModelName(LoadedModel model, JsonElement name)
    {
        foreach (var input in model.Inputs)
        {
            if (name.ValueEquals(input.Name))
            {
                return input.Name;
            }
        }
        return name.GetString()!;
    }

    private static long[]? ReadShape(in RequestBodyDocument body, JsonElement shape, int index, ref RequestProblems problems)
    {
        var dims = new long[shape.GetArrayLength()];
        var d = 0;
        foreach (var dim in shape.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out dims[d]))
            {
                problems.Add(body.WrongType(dim, $"$.inputs[{index}].shape[{d}]"));
                return null;
            }
            d++;
        }
        return dims;
    }

    /// <summary>
    /// The outputs named, and (only when any output asks for it) each one's binary and classification choice. A
    /// classification must be a count of 1 or more, of an output holding numbers.
    /// </summary>
    private static (IReadOnlyList<string>? Names, OutputChoice[]? Choices) ReadOutputs(in RequestBodyDocument body, LoadedModel model, JsonElement outputs, ref RequestProblems problems)
    {
        if (outputs.ValueKind != JsonValueKind.Array || outputs.GetArrayLength() == 0)
        {
            return (null, null);
        }
        var names = new List<string>(outputs.GetArrayLength());
        OutputChoice[]? choices = null;
        var index = 0;
        foreach (var output in outputs.EnumerateArray())
        {
            if (output.ValueKind == JsonValueKind.Null)
            {
                problems.Add($"outputs[{index}] must be an output object, not null.");
            }
            else if (output.ValueKind != JsonValueKind.Object)
            {
                problems.Add(body.WrongType(output, $"$.outputs[{index}]"));
            }
            else
            {
                JsonElement name = default, parameters = default;
                foreach (var property in output.EnumerateObject())
                {
                    if (property.NameEquals("name"u8))
                    {
                        if (name.ValueKind != JsonValueKind.Undefined)
                        {
                            problems.Add(body.GivenTwice(property.Value, $"$.outputs[{index}].name"));
                        }
                        name = property.Value;
                    }
                    else if (property.NameEquals("parameters"u8))
                    {
                        if (!Fits(property.Value, JsonValueKind.Object))
                        {
                            problems.Add(body.WrongType(property.Value, $"$.outputs[{index}].parameters"));
                        }
                        parameters = property.Value;
                    }
                }
                if (name.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
                {
                    problems.Add($"outputs[{index}]: \"name\" is required.");
                }
                else if (name.ValueKind != JsonValueKind.String)
                {
                    problems.Add(body.WrongType(name, $"$.outputs[{index}].name"));
                }
                else
                {
                    var outputName = name.GetString()!;
                    if (ReadOutputChoice(model, outputName, parameters, ref problems) is { } choice)
                    {
                        choices ??= new OutputChoice[outputs.GetArrayLength()];
                        choices[names.Count] = choice;
                    }
                    names.Add(outputName);
                }
            }
            index++;
        }
        return (names, choices);
    }

    private static OutputChoice? ReadOutputChoice(LoadedModel model, string name, JsonElement parameters, ref RequestProblems problems)
    {
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        bool? binary = null;
        var classification = 0;
        var any = false;
        foreach (var property in parameters.EnumerateObject())
        {
            if (property.NameEquals(BinaryTensorHeaders.BinaryData))
            {
                binary = ReadBoolean(property.Value, $"Output '{name}': parameters.{BinaryTensorHeaders.BinaryData}", ref problems);
                any = true;
            }
            else if (property.NameEquals(Classifications.Parameter))
            {
                classification = Classifications.ReadCount(model, name, property.Value, ref problems);
                any = true;
            }
        }
        return any ? new OutputChoice(binary, classification) : null;
    }

    /// <summary>
    /// The parameters this server acts on: <c>timeout</c>, a whole number of microseconds, as Triton reads it (the
    /// model decides whether to honour it: only when it allows overrides, and never for longer than its own), and
    /// <c>targets</c>. Other parameters are ignored.
    /// </summary>
    internal static (TimeSpan? Timeout, JsonElement Targets, bool BinaryOutput) ReadParameters(in RequestBodyDocument body, JsonElement parameters, string path, ref RequestProblems problems)
    {
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            return (null, default, false);
        }
        TimeSpan? timeout = null;
        JsonElement targets = default;
        var binaryOutput = false;
        var seen = 0;
        foreach (var property in parameters.EnumerateObject())
        {
            // The parameters are a map: any name given twice is ambiguous.
            var repeated = false;
            var i = 0;
            foreach (var other in parameters.EnumerateObject())
            {
                if (i++ >= seen)
                {
                    break;
                }
                repeated |= other.NameEquals(property.Name);
            }
            seen++;
            if (repeated)
            {
                problems.Add(body.GivenTwice(property.Value, $"{path}.{property.Name}"));
                continue;
            }
            if (property.NameEquals(TimeoutParameter))
            {
                var value = property.Value;
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var microseconds) || microseconds < 0)
                {
                    problems.Add("parameters.timeout must be a whole number of microseconds, 0 or more.");
                }
                else if (microseconds > 0)
                {
                    // Past a day, any model's own timeout is shorter anyway; the cap keeps the conversion in range.
                    timeout = TimeSpan.FromMicroseconds(Math.Min(microseconds, MaxTimeoutMicroseconds));
                }
            }
            else if (property.NameEquals(TargetsParameter))
            {
                targets = property.Value;
                CheckNoDuplicates(body, targets, $"{path}.{TargetsParameter}", ref problems);
            }
            else if (property.NameEquals(BinaryTensorHeaders.BinaryDataOutput))
            {
                binaryOutput = ReadBoolean(property.Value, $"parameters.{BinaryTensorHeaders.BinaryDataOutput}", ref problems) ?? false;
            }
        }
        return (timeout, targets, binaryOutput);
    }

    private static bool? ReadBoolean(JsonElement value, string what, ref RequestProblems problems)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                problems.Add($"{what} must be true or false.");
                return null;
        }
    }

    /// <summary>Objects anywhere inside <paramref name="value"/> with a property given twice (ground truth must be unambiguous).</summary>
    internal static void CheckNoDuplicates(in RequestBodyDocument body, JsonElement value, string path, ref RequestProblems problems)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    CheckNoDuplicates(body, item, $"{path}[{i}]", ref problems);
                }
                i++;
            }
            return;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (!names.Add(property.Name))
            {
                problems.Add(body.GivenTwice(property.Value, $"{path}.{property.Name}"));
            }
            CheckNoDuplicates(body, property.Value, $"{path}.{property.Name}", ref problems);
        }
    }

    internal static string? ReadString(in RequestBodyDocument body, JsonElement value, string path, ref RequestProblems problems)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                return value.GetString();
            default:
                problems.Add(body.WrongType(value, path));
                return null;
        }
    }

    /// <summary>Whether a value is absent, null or of <paramref name="kind"/> (the only kinds a property may have).</summary>
    internal static bool Fits(JsonElement value, JsonValueKind kind) =>
        value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null || value.ValueKind == kind;
}

/// <summary>
/// The binary data after a request's JSON header, handed out in the order the inputs declare their
/// <c>binary_data_size</c>; once every input is read, what was declared must be exactly what the body holds.
/// </summary>
internal struct BinarySections(ReadOnlyMemory<byte> data)
{
    private readonly ReadOnlyMemory<byte> _data = data;
    private long _declared;
    private bool _poisoned;
    private List<(string Where, long Size)>? _inputs;

    /// <summary>The next <paramref name="size"/> bytes; null when the data holds fewer (reported by <see cref="CheckAllUsed"/>).</summary>
    public ReadOnlyMemory<byte>? Take(string where, int index, long size)
    {
        _ = index;
        (_inputs ??= []).Add((where, size));
        var start = _declared;
        _declared = size > long.MaxValue - _declared ? long.MaxValue : _declared + size;
        return _declared <= _data.Length ? _data.Slice((int)start, (int)size) : null;
    }

    /// <summary>An input's size could not be read: the sizes cannot be added up, so they are not compared either.</summary>
    public void Poison() => _poisoned = true;

    public readonly void CheckAllUsed(bool hasHeaderLength, ref RequestProblems problems)
    {
        if (_poisoned || _declared == _data.Length)
        {
            return;
        }
        var sizes = _inputs is null ? "" : $" ({string.Join(", ", _inputs.Select(i => $"{i.Where}: {i.Size}"))})";
        if (_declared > _data.Length && !hasHeaderLength)
        {
            problems.Add($"Inputs give parameters.{BinaryTensorHeaders.BinaryDataSize}{sizes}, but the request has no {BinaryTensorHeaders.HeaderLengthName} header to say where the JSON ends and their binary data starts.");
        }
        else if (_declared > _data.Length)
        {
            problems.Add($"The body is cut short: the inputs' {BinaryTensorHeaders.BinaryDataSize} add up to {_declared} bytes{sizes}, but only {_data.Length} bytes follow the JSON header.");
        }
        else if (_inputs is null)
        {
            problems.Add($"The body has {_data.Length} bytes of binary data after the JSON header, but no input gives parameters.{BinaryTensorHeaders.BinaryDataSize} to claim them.");
        }
        else
        {
            problems.Add($"The body has {_data.Length} bytes of binary data after the JSON header, but the inputs' {BinaryTensorHeaders.BinaryDataSize} add up to only {_declared}{sizes}.");
        }
    }
}
