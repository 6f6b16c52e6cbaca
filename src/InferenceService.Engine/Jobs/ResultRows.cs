using System.Buffers;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// The outputs of one job batch, read out of ONNX Runtime's tensors once (a copy into pooled buffers) for its rows to
/// be written from: asking a tensor for its data costs native calls, which once a row was most of the writing.
/// </summary>
internal sealed class ResultRows : IDisposable
{
    private readonly byte[]?[] _bytes;
    private readonly int[] _lengths;
    private readonly string[]?[] _strings;

    public ResultRows(InferenceResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Values = result.Values;
        _bytes = new byte[]?[Values.Count];
        _lengths = new int[Values.Count];
        _strings = new string[]?[Values.Count];
        for (var i = 0; i < Values.Count; i++)
        {
            var value = Values[i];
            if (value.ElementType == TensorElementType.String)
            {
                _strings[i] = value.GetStrings().ToArray();
                continue;
            }
            var raw = value.GetRawBytes();
            _bytes[i] = ArrayPool<byte>.Shared.Rent(raw.Length);
            _lengths[i] = raw.Length;
            raw.CopyTo(_bytes[i]);
        }
    }

    /// <summary>The tensors themselves (valid while the result is).</summary>
    public IReadOnlyList<OutputTensor> Values { get; }

    public TensorElementType TypeOf(int output) => Values[output].ElementType;

    public IReadOnlyList<long> ShapeOf(int output) => Values[output].Shape;

    /// <summary>The elements of a fixed-size output, as bytes; empty for strings.</summary>
    public ReadOnlySpan<byte> BytesOf(int output) => _bytes[output].AsSpan(0, _lengths[output]);

    /// <summary>The elements of a BYTES output; empty for the others.</summary>
    public ReadOnlySpan<string> StringsOf(int output) => _strings[output];

    /// <summary>Output <paramref name="output"/>'s row <paramref name="row"/> as JSON (the value without the batch dimension).</summary>
    public void WriteRow(System.Text.Json.Utf8JsonWriter writer, int output, long row) =>
        JsonTensorEncoder.WriteRow(writer, TypeOf(output), BytesOf(output), StringsOf(output), ShapeOf(output), row);

    public void Dispose()
    {
        for (var i = 0; i < _bytes.Length; i++)
        {
            if (_bytes[i] is { } buffer)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                _bytes[i] = null;
            }
        }
    }
}
