using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// The label of one row of an output that has a label file, as /predict gives it: class indices map to names one for
/// one; per-class scores ([rows, classes]) give the name of the row's highest score. Null for outputs of other shapes.
/// </summary>
internal static class RowLabels
{
    public static string? Of(ResultRows result, int output, long row, bool stacked, IReadOnlyList<string> labels)
    {
        var shape = result.ShapeOf(output);
        var type = result.TypeOf(output);
        if (type == TensorElementType.Float && labels.Count > 0 && shape.Count == (stacked ? 2 : 1) && shape[^1] == labels.Count)
        {
            var scores = MemoryMarshal.Cast<byte, float>(result.BytesOf(output)).Slice(stacked ? (int)row * labels.Count : 0, labels.Count);
            var best = 0;
            for (var c = 1; c < scores.Length; c++)
            {
                best = scores[c] > scores[best] ? c : best;
            }
            return labels[best];
        }
        if (shape.Count != (stacked ? 1 : 0) && !(shape.Count == 1 && !stacked && shape[0] == 1))
        {
            return null;
        }
        var at = stacked ? (int)row : 0;
        long? index = type switch
        {
            TensorElementType.Int64 => MemoryMarshal.Cast<byte, long>(result.BytesOf(output))[at],
            TensorElementType.Int32 => MemoryMarshal.Cast<byte, int>(result.BytesOf(output))[at],
            _ => null,
        };
        return index is not { } i ? null : i >= 0 && i < labels.Count ? labels[(int)i] : i.ToString(CultureInfo.InvariantCulture);
    }
}
