using System.Globalization;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// The label of one row of an output that has a label file, as /predict gives it: class indices map to names one for
/// one; per-class scores ([rows, classes]) give the name of the row's highest score. Null for outputs of other shapes.
/// </summary>
internal static class RowLabels
{
    public static string? Of(OutputTensor value, long row, bool stacked, IReadOnlyList<string> labels)
    {
        var shape = value.Shape;
        if (value.ElementType == TensorElementType.Float && labels.Count > 0 && shape.Count == (stacked ? 2 : 1) && shape[^1] == labels.Count)
        {
            var scores = value.GetTensorData<float>().Slice(stacked ? (int)row * labels.Count : 0, labels.Count);
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
        long? index = value.ElementType switch
        {
            TensorElementType.Int64 => value.GetTensorData<long>()[at],
            TensorElementType.Int32 => value.GetTensorData<int>()[at],
            _ => null,
        };
        return index is not { } i ? null : i >= 0 && i < labels.Count ? labels[(int)i] : i.ToString(CultureInfo.InvariantCulture);
    }
}
