using System.Buffers.Binary;
using System.Text;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Repository;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Serving;

/// <summary>
/// Runs a version's warm-up on one session before it is marked ready. Two kinds, with different rules:
/// <list type="bullet">
/// <item>The configuration's <c>model_warmup</c> samples (Triton's): the operator says what a real input looks like, so
/// a sample that fails means the version cannot serve it, and the load fails with the reason.</item>
/// <item>Without any, one run of inputs made here (zeros, empty strings, every dynamic dimension 1), so the first
/// request does not pay for ONNX Runtime's lazy initialization. Such an input may be one no real request sends (a
/// reflect padding needs a sequence longer than one; a Cast from strings to numbers cannot read an empty string), so
/// its failure says nothing about the model: it is reported to the caller, who logs it and serves the version.</item>
/// </list>
/// </summary>
public static class ModelWarmup
{
    /// <summary>The folder of the model's warm-up data files, beside config.json (Triton's layout).</summary>
    public const string DataFolder = "warmup";

    /// <summary>Runs every configured sample <c>count</c> times (once when 0); throws <see cref="ModelLoadException"/> with the sample's name and the reason.</summary>
    public static void RunConfigured(OnnxSession session, ModelConfig config, string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(config);
        foreach (var sample in config.ModelWarmup ?? [])
        {
            var label = sample.Name is null ? "model_warmup" : $"model_warmup \"{sample.Name}\"";
            var values = new OrtValue[session.Inputs.Count];
            try
            {
                for (var i = 0; i < values.Length; i++)
                {
                    var input = session.Inputs[i];
                    if (sample.Inputs is null || !sample.Inputs.TryGetValue(input.Name, out var given))
                    {
                        throw new ModelLoadException($"{label} gives no data for input '{input.Name}'.");
                    }
                    values[i] = MakeInput(input, given, config.MaxBatchSize > 0 ? Math.Max(1, sample.BatchSize) : 0, modelDirectory, label);
                }
                foreach (var name in sample.Inputs?.Keys ?? [])
                {
                    if (!session.Inputs.Any(i => i.Name == name))
                    {
                        throw new ModelLoadException($"{label} names input '{name}', which the model does not have.");
                    }
                }
                for (var run = 0; run < Math.Max(1, sample.Count); run++)
                {
                    RunOnce(session, values);
                }
            }
            catch (OnnxRuntimeException e)
            {
                throw new ModelLoadException($"{label} failed: {OnnxErrors.Describe(e)}", e);
            }
            finally
            {
                foreach (var value in values)
                {
                    value?.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// One run of inputs made here (zeros, empty strings, dynamic dimensions 1). Never throws for the model's sake:
    /// returns why the run failed, or null when it ran.
    /// </summary>
    public static string? TryRunDefault(OnnxSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var values = new List<OrtValue>(session.Inputs.Count);
        try
        {
            foreach (var input in session.Inputs)
            {
                if (!input.IsTensor)
                {
                    return $"input '{input.Name}' is a {input.KindName.ToLowerInvariant()}, which the server cannot make up";
                }
                long[] shape = [.. input.Shape.Select(d => d < 0 ? 1 : d)];
                // ONNX Runtime allocates (and zeroes) the warm-up tensors, and creates strings empty.
                values.Add(input.ElementType == TensorElementType.String
                    ? OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape)
                    : Zeroed(input.ElementType, shape));
            }
            RunOnce(session, [.. values]);
            return null;
        }
        catch (OnnxRuntimeException e)
        {
            return OnnxErrors.Describe(e);
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    private static void RunOnce(OnnxSession session, OrtValue[] values)
    {
        var outputs = session.Run([.. session.Inputs.Select(i => i.Name)], values, [.. session.Outputs.Select(o => o.Name)]);
        foreach (var output in outputs)
        {
            output.Dispose();
        }
    }

    private static OrtValue MakeInput(TensorInfo input, WarmupInputConfig given, int batchRows, string modelDirectory, string label)
    {
        if (given.DataType is null || !TritonDataType.TryParse(given.DataType, out var type) || type != input.ElementType)
        {
            throw new ModelLoadException($"{label} gives input '{input.Name}' as {given.DataType}, but the model takes {TritonDataType.ToName(input.ElementType)}.");
        }
        long[] shape = batchRows > 0 ? [batchRows, .. given.Dims ?? []] : [.. given.Dims ?? []];
        var elements = shape.Aggregate(1L, (a, d) => checked(a * d));
        if (type == TensorElementType.String)
        {
            var strings = given.InputDataFile is { } stringFile ? ReadStrings(DataPath(modelDirectory, stringFile, label), elements, input.Name, label)
                : given.RandomData ? [.. Enumerable.Range(0, (int)elements).Select(_ => Random.Shared.Next(0, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture))]
                : Enumerable.Repeat("", (int)elements).ToArray();
            return OrtValue.CreateFromStringTensor(new DenseTensor<string>(strings, [.. shape.Select(d => (int)d)]));
        }
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, shape);
        var bytes = value.GetTensorMutableRawData();
        if (given.InputDataFile is { } file)
        {
            var data = File.ReadAllBytes(DataPath(modelDirectory, file, label));
            if (data.Length != bytes.Length)
            {
                value.Dispose();
                throw new ModelLoadException($"{label}: the data file of input '{input.Name}' holds {data.Length} bytes; its shape [{string.Join(", ", shape)}] needs {bytes.Length}.");
            }
            data.CopyTo(bytes);
        }
        else if (given.RandomData)
        {
            FillRandom(bytes, type);
        }
        else
        {
            bytes.Clear();
        }
        return value;
    }

    private static string DataPath(string modelDirectory, string file, string label)
    {
        if (!ModelConfigValidator.IsPlainFileName(file))
        {
            throw new ModelLoadException($"{label}: input_data_file \"{file}\" is not a plain file name.");
        }
        var path = Path.Combine(modelDirectory, DataFolder, file);
        return File.Exists(path) ? path : throw new ModelLoadException($"{label}: the data file \"{file}\" is not in the model's {DataFolder}/ folder.");
    }

    private static string[] ReadStrings(string path, long elements, string input, string label)
    {
        var data = File.ReadAllBytes(path).AsSpan();
        var strings = new string[elements];
        for (var i = 0; i < strings.Length; i++)
        {
            if (data.Length < 4 || BinaryPrimitives.ReadInt32LittleEndian(data) is var length && (length < 0 || length > data.Length - 4))
            {
                throw new ModelLoadException($"{label}: the data file of input '{input}' holds fewer than {elements} length-prefixed strings.");
            }
            strings[i] = Encoding.UTF8.GetString(data.Slice(4, length));
            data = data[(4 + length)..];
        }
        return strings;
    }

    /// <summary>Values a real input could hold: floats in [0, 1), integers 0 or 1, booleans either way.</summary>
    private static void FillRandom(Span<byte> bytes, TensorElementType type)
    {
        var size = TensorElementTypes.SizeOf(type);
        for (var offset = 0; offset + size <= bytes.Length; offset += size)
        {
            var slot = bytes.Slice(offset, size);
            var unit = Random.Shared.NextDouble();
            switch (type)
            {
                case TensorElementType.Float:
                    BinaryPrimitives.WriteSingleLittleEndian(slot, (float)unit);
                    break;
                case TensorElementType.Double:
                    BinaryPrimitives.WriteDoubleLittleEndian(slot, unit);
                    break;
                case TensorElementType.Float16:
                    BinaryPrimitives.WriteHalfLittleEndian(slot, (Half)unit);
                    break;
                case TensorElementType.BFloat16:
                    BinaryPrimitives.WriteUInt16LittleEndian(slot, (ushort)(BitConverter.SingleToUInt32Bits((float)unit) >> 16));
                    break;
                default:
                    slot.Clear();
                    slot[0] = (byte)Random.Shared.Next(0, 2); // little-endian: 0 or 1 in any integer width
                    break;
            }
        }
    }

    private static OrtValue Zeroed(TensorElementType type, long[] shape)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, shape);
        value.GetTensorMutableRawData().Clear();
        return value;
    }
}
