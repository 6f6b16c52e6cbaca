using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf.Collections;
using InferenceService.Contracts;
using InferenceService.Engine;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Grpc.Protocol;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Grpc;

/// <summary>
/// The inputs of a gRPC infer request as the pipeline takes them (<see cref="JsonInput.WithRawData"/>), and the
/// buffers they view: <c>raw_input_contents</c> as the message holds them, typed <c>contents</c> laid out once into a
/// pooled buffer in the raw layout. Dispose after the decoded request (the tensors may borrow this memory).
/// </summary>
internal sealed class GrpcInputs : IDisposable
{
    private readonly List<byte[]> _rented = [];

    public JsonInput[] Inputs { get; set; } = [];

    public IReadOnlyList<string>? Outputs { get; init; }

    /// <summary>The outputs asked for as their top classes (the classification extension); null when none was.</summary>
    public OutputChoices? Choices { get; init; }

    public TimeSpan? QueueTimeout { get; init; }

    internal byte[] Rent(int length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        _rented.Add(buffer);
        return buffer;
    }

    public void Dispose()
    {
        foreach (var buffer in _rented)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        _rented.Clear();
    }
}

/// <summary>
/// Reads a <c>ModelInferRequest</c>: every input's name, datatype and shape, its elements from
/// <c>raw_input_contents</c> or from the typed <c>contents</c> field its datatype uses (each element checked against
/// the datatype's range), the outputs asked for and the <c>timeout</c> parameter; every problem of the message at
/// once, and the <c>classification</c> parameter of a requested output, read and checked as the REST API does. What
/// the pipeline then checks against the model (names, types, shapes, byte counts) is the same as for HTTP.
/// </summary>
internal static class GrpcInferRequestReader
{
    public const string TimeoutParameter = "timeout";

    private const long MaxTimeoutMicroseconds = 86_400_000_000;

    public static GrpcInputs Read(ModelInferRequest request, LoadedModel model, ref RequestProblems problems)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (outputs, choices) = Outputs(request, model, ref problems);
        var inputs = new GrpcInputs { Outputs = outputs, Choices = choices, QueueTimeout = Timeout(request.Parameters, ref problems) };
        if (request.Inputs.Count == 0)
        {
            problems.Add("\"inputs\" is required: one entry per input of the model.");
            return inputs;
        }
        var raw = request.RawInputContents;
        if (raw.Count > 0 && raw.Count != request.Inputs.Count)
        {
            problems.Add($"raw_input_contents has {raw.Count} entries but the request has {request.Inputs.Count} inputs: give one per input, in the order of inputs.");
            return inputs;
        }
        var read = new List<JsonInput>(request.Inputs.Count);
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var input = request.Inputs[i];
            var where = string.IsNullOrEmpty(input.Name) ? $"inputs[{i}]" : $"Input '{input.Name}'";
            var before = problems.Count;
            if (string.IsNullOrEmpty(input.Name))
            {
                problems.Add($"inputs[{i}]: \"name\" is required.");
            }
            if (!TensorDataType.TryParse(input.Datatype, out var type))
            {
                problems.Add($"{where}: \"datatype\" must be one of {string.Join(", ", TensorDataType.ProtocolNames)}" + (input.Datatype.Length > 0 ? $", not \"{input.Datatype}\"." : "."));
            }
            var shape = input.Shape.ToArray();
            var hasContents = input.Contents is not null;
            if (raw.Count > 0 && hasContents)
            {
                problems.Add($"{where} has contents while the request has raw_input_contents: send every input one way or the other.");
            }
            if (problems.Count > before)
            {
                continue;
            }
            if (raw.Count > 0)
            {
                read.Add(JsonInput.WithRawData(input.Name, type, shape, raw[i].Memory));
            }
            else if (!hasContents)
            {
                problems.Add($"{where} has no data: give its elements in contents or every input's in raw_input_contents.");
            }
            else if (Lay(inputs, where, type, shape, input.Contents!, ref problems) is { } bytes)
            {
                read.Add(JsonInput.WithRawData(input.Name, type, shape, bytes));
            }
        }
        inputs.Inputs = [.. read];
        return inputs;
    }

    private static (IReadOnlyList<string>? Names, OutputChoices? Choices) Outputs(ModelInferRequest request, LoadedModel model, ref RequestProblems problems)
    {
        if (request.Outputs.Count == 0)
        {
            return (null, null);
        }
        var names = new List<string>(request.Outputs.Count);
        OutputChoice[]? choices = null;
        for (var i = 0; i < request.Outputs.Count; i++)
        {
            var output = request.Outputs[i];
            if (string.IsNullOrEmpty(output.Name))
            {
                problems.Add($"outputs[{i}]: \"name\" is required.");
                continue;
            }
            if (output.Parameters.TryGetValue(Classifications.Parameter, out var classification))
            {
                long? count = classification.ParameterChoiceCase switch
                {
                    InferParameter.ParameterChoiceOneofCase.Int64Param => classification.Int64Param,
                    InferParameter.ParameterChoiceOneofCase.Uint64Param => (long)Math.Min(classification.Uint64Param, long.MaxValue),
                    _ => null,
                };
                // Outputs without parameters are the answer's default (raw contents); a wrong parameter type is a problem.
                var classes = Classifications.Check(model, output.Name, count ?? 0, ref problems);
                if (classes > 0)
                {
                    (choices ??= new OutputChoice[request.Outputs.Count])[names.Count] = new OutputChoice(Binary: true, classes);
                }
            }
            names.Add(output.Name);
        }
        return (names, choices is null ? null : new OutputChoices(defaultBinary: true, choices));
    }

    /// <summary>The <c>timeout</c> parameter in microseconds, as Triton's clients send it (and as the REST API reads it).</summary>
    private static TimeSpan? Timeout(MapField<string, InferParameter> parameters, ref RequestProblems problems)
    {
        if (!parameters.TryGetValue(TimeoutParameter, out var value))
        {
            return null;
        }
        long? microseconds = value.ParameterChoiceCase switch
        {
            InferParameter.ParameterChoiceOneofCase.Int64Param => value.Int64Param,
            InferParameter.ParameterChoiceOneofCase.Uint64Param when value.Uint64Param <= long.MaxValue => (long)value.Uint64Param,
            _ => null,
        };
        if (microseconds is not { } us || us < 0)
        {
            problems.Add("parameters.timeout must be a whole number of microseconds (int64_param), 0 or more.");
            return null;
        }
        return us == 0 ? null : TimeSpan.FromMicroseconds(Math.Min(us, MaxTimeoutMicroseconds));
    }

    /// <summary>Lays typed contents out in the raw layout, in a pooled buffer; null (and a problem) when they do not fit.</summary>
    private static ReadOnlyMemory<byte>? Lay(GrpcInputs owner, string where, TensorElementType type, long[] shape, InferTensorContents contents, ref RequestProblems problems)
    {
        var (field, count) = FieldOf(type, contents);
        if (field is null)
        {
            problems.Add($"{where} is {TensorDataType.ToProtocolName(type)}, which has no typed contents field: send it in raw_input_contents.");
            return null;
        }
        var others = TotalCount(contents) - count;
        if (others > 0)
        {
            problems.Add($"{where} is {TensorDataType.ToProtocolName(type)}: its elements go in contents.{field}, and only there.");
            return null;
        }
        // A shape that is no shape (a negative dimension) is the pipeline's to report, with the model's own checks.
        if (ElementCount(shape) is { } expected && count != expected)
        {
            problems.Add($"{where} has shape [{string.Join(", ", shape)}], which holds {expected} element{(expected == 1 ? "" : "s")}, but contents.{field} has {count}.");
            return null;
        }
        return type switch
        {
            TensorElementType.Bool => Copy(owner, contents.BoolContents, 1, static (span, i, v) => span[i] = v ? (byte)1 : (byte)0),
            TensorElementType.Int8 => Narrow(owner, where, type, contents.IntContents, sbyte.MinValue, sbyte.MaxValue, 1, static (span, i, v) => span[i] = unchecked((byte)(sbyte)v), ref problems),
            TensorElementType.Int16 => Narrow(owner, where, type, contents.IntContents, short.MinValue, short.MaxValue, 2, static (span, i, v) => BinaryPrimitives.WriteInt16LittleEndian(span[(i * 2)..], (short)v), ref problems),
            TensorElementType.Int32 => Copy(owner, contents.IntContents, 4, static (span, i, v) => BinaryPrimitives.WriteInt32LittleEndian(span[(i * 4)..], v)),
            TensorElementType.Int64 => Copy(owner, contents.Int64Contents, 8, static (span, i, v) => BinaryPrimitives.WriteInt64LittleEndian(span[(i * 8)..], v)),
            TensorElementType.UInt8 => Narrow(owner, where, type, contents.UintContents, byte.MinValue, byte.MaxValue, 1, static (span, i, v) => span[i] = (byte)v, ref problems),
            TensorElementType.UInt16 => Narrow(owner, where, type, contents.UintContents, ushort.MinValue, ushort.MaxValue, 2, static (span, i, v) => BinaryPrimitives.WriteUInt16LittleEndian(span[(i * 2)..], (ushort)v), ref problems),
            TensorElementType.UInt32 => Copy(owner, contents.UintContents, 4, static (span, i, v) => BinaryPrimitives.WriteUInt32LittleEndian(span[(i * 4)..], v)),
            TensorElementType.UInt64 => Copy(owner, contents.Uint64Contents, 8, static (span, i, v) => BinaryPrimitives.WriteUInt64LittleEndian(span[(i * 8)..], v)),
            TensorElementType.Float => Copy(owner, contents.Fp32Contents, 4, static (span, i, v) => BinaryPrimitives.WriteSingleLittleEndian(span[(i * 4)..], v)),
            TensorElementType.Double => Copy(owner, contents.Fp64Contents, 8, static (span, i, v) => BinaryPrimitives.WriteDoubleLittleEndian(span[(i * 8)..], v)),
            TensorElementType.String => Strings(owner, contents.BytesContents),
            _ => null,
        };
    }

    private delegate void ElementWriter<in T>(Span<byte> destination, int index, T value);

    private static ReadOnlyMemory<byte> Copy<T>(GrpcInputs owner, RepeatedField<T> values, int size, ElementWriter<T> write)
    {
        var length = values.Count * size;
        var buffer = owner.Rent(Math.Max(1, length));
        var span = buffer.AsSpan(0, length);
        for (var i = 0; i < values.Count; i++)
        {
            write(span, i, values[i]);
        }
        return buffer.AsMemory(0, length);
    }

    private static ReadOnlyMemory<byte>? Narrow<T>(GrpcInputs owner, string where, TensorElementType type, RepeatedField<T> values, long min, long max, int size, ElementWriter<T> write, ref RequestProblems problems)
        where T : struct, IConvertible
    {
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i].ToInt64(System.Globalization.CultureInfo.InvariantCulture);
            if (value < min || value > max)
            {
                problems.Add($"{where} element {i}: {value} is out of range for {TensorDataType.ToProtocolName(type)} ({min}..{max}).");
                return null;
            }
        }
        return Copy(owner, values, size, write);
    }

    private static ReadOnlyMemory<byte> Strings(GrpcInputs owner, RepeatedField<Google.Protobuf.ByteString> values)
    {
        var length = 0;
        foreach (var value in values)
        {
            length = checked(length + RawTensorDecoder.LengthPrefixSize + value.Length);
        }
        var buffer = owner.Rent(Math.Max(1, length));
        var offset = 0;
        foreach (var value in values)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(offset), value.Length);
            value.Span.CopyTo(buffer.AsSpan(offset + RawTensorDecoder.LengthPrefixSize));
            offset += RawTensorDecoder.LengthPrefixSize + value.Length;
        }
        return buffer.AsMemory(0, length);
    }

    /// <summary>The contents field a datatype's elements go in, and how many elements it holds.</summary>
    private static (string? Field, int Count) FieldOf(TensorElementType type, InferTensorContents contents) => type switch
    {
        TensorElementType.Bool => ("bool_contents", contents.BoolContents.Count),
        TensorElementType.Int8 or TensorElementType.Int16 or TensorElementType.Int32 => ("int_contents", contents.IntContents.Count),
        TensorElementType.Int64 => ("int64_contents", contents.Int64Contents.Count),
        TensorElementType.UInt8 or TensorElementType.UInt16 or TensorElementType.UInt32 => ("uint_contents", contents.UintContents.Count),
        TensorElementType.UInt64 => ("uint64_contents", contents.Uint64Contents.Count),
        TensorElementType.Float => ("fp32_contents", contents.Fp32Contents.Count),
        TensorElementType.Double => ("fp64_contents", contents.Fp64Contents.Count),
        TensorElementType.String => ("bytes_contents", contents.BytesContents.Count),
        _ => (null, 0),
    };

    private static long? ElementCount(long[] shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0 || (dim > 0 && count > long.MaxValue / dim))
            {
                return null;
            }
            count *= dim;
        }
        return count;
    }

    private static long TotalCount(InferTensorContents c) =>
        (long)c.BoolContents.Count + c.IntContents.Count + c.Int64Contents.Count + c.UintContents.Count + c.Uint64Contents.Count
        + c.Fp32Contents.Count + c.Fp64Contents.Count + c.BytesContents.Count;
}
