using System.Globalization;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// The classification extension's answer for one output: its <c>count</c> highest elements per row, highest first
/// (ties: the lower index first; NaN ranks below every number), each as the string <c>"value:index"</c>, or
/// <c>"value:index:label"</c> when the output has labels and the index has one. Values are compared in the output's
/// own type (INT64 exactly), and written as the JSON encoder writes them (shortest round-trip text).
/// </summary>
public static class TopClasses
{
    /// <summary>Whether an output of <paramref name="type"/> has classes to rank: numbers only.</summary>
    public static bool CanRank(TensorElementType type) => type != TensorElementType.Bool && TensorElementTypes.SizeOf(type) > 0;

    /// <summary>
    /// Ranks <paramref name="value"/>'s classes along its last dimension: each row of scores ([batch, classes], or any
    /// leading dimensions) is ranked on its own, and the answer keeps the leading dimensions with n in place of the
    /// classes: [batch, n] for [batch, classes], [n] for [classes] (as Triton answers a batched and an unbatched model;
    /// ONNX models carry their batch dimension in their shape). n is <paramref name="count"/>, or the number of classes
    /// when fewer. A scalar is one class.
    /// </summary>
    /// <exception cref="NotSupportedException">The output does not hold numbers.</exception>
    public static string[] Rank(OutputTensor value, int count, IReadOnlyList<string>? labels, out long[] shape)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var dims = value.Shape;
        var classes = dims.Count == 0 ? 1 : (int)dims[^1];
        var rows = classes == 0 ? 0 : (int)(value.ElementCount / classes);
        var n = Math.Min(count, classes);
        shape = dims.Count == 0 ? [n] : [.. dims.Take(dims.Count - 1), n];
        var result = new string[rows * n];
        switch (value.ElementType)
        {
            case TensorElementType.Float: Rank(value.GetTensorData<float>(), rows, classes, n, labels, result); break;
            case TensorElementType.Double: Rank(value.GetTensorData<double>(), rows, classes, n, labels, result); break;
            case TensorElementType.Float16: Rank(value.GetTensorData<Half>(), rows, classes, n, labels, result); break;
            case TensorElementType.BFloat16: RankBFloat16(value.GetTensorData<BFloat16>(), rows, classes, n, labels, result); break;
            case TensorElementType.Int8: Rank(value.GetTensorData<sbyte>(), rows, classes, n, labels, result); break;
            case TensorElementType.Int16: Rank(value.GetTensorData<short>(), rows, classes, n, labels, result); break;
            case TensorElementType.Int32: Rank(value.GetTensorData<int>(), rows, classes, n, labels, result); break;
            case TensorElementType.Int64: Rank(value.GetTensorData<long>(), rows, classes, n, labels, result); break;
            case TensorElementType.UInt8: Rank(value.GetTensorData<byte>(), rows, classes, n, labels, result); break;
            case TensorElementType.UInt16: Rank(value.GetTensorData<ushort>(), rows, classes, n, labels, result); break;
            case TensorElementType.UInt32: Rank(value.GetTensorData<uint>(), rows, classes, n, labels, result); break;
            case TensorElementType.UInt64: Rank(value.GetTensorData<ulong>(), rows, classes, n, labels, result); break;
            default: throw new NotSupportedException($"Tensors of {TensorDataType.DisplayName(value.ElementType)} have no classes to rank.");
        }
        return result;
    }

    private static void RankBFloat16(ReadOnlySpan<BFloat16> data, int rows, int classes, int n, IReadOnlyList<string>? labels, string[] result)
    {
        // BF16 is ranked by its exact float value, which keeps its order.
        var floats = new float[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            floats[i] = (float)data[i];
        }
        Rank<float>(floats, rows, classes, n, labels, result);
    }

    private static void Rank<T>(ReadOnlySpan<T> data, int rows, int classes, int n, IReadOnlyList<string>? labels, string[] result)
        where T : IComparable<T>, IFormattable
    {
        Span<int> best = n <= 256 ? stackalloc int[n] : new int[n];
        for (var row = 0; row < rows; row++)
        {
            var values = data.Slice(row * classes, classes);
            var found = 0;
            for (var c = 0; c < values.Length; c++)
            {
                // Insert c among the best found so far, after every one that is at least as high (the lower index wins ties).
                var at = found;
                while (at > 0 && values[c].CompareTo(values[best[at - 1]]) > 0)
                {
                    at--;
                }
                if (at >= n)
                {
                    continue;
                }
                var end = Math.Min(found, n - 1);
                best[at..end].CopyTo(best[(at + 1)..]);
                best[at] = c;
                found = Math.Min(found + 1, n);
            }
            for (var k = 0; k < n; k++)
            {
                var index = best[k];
                var text = values[index].ToString(null, CultureInfo.InvariantCulture) + ":" + index.ToString(CultureInfo.InvariantCulture);
                if (labels is not null && index < labels.Count)
                {
                    text += ":" + labels[index];
                }
                result[(row * n) + k] = text;
            }
        }
    }
}
