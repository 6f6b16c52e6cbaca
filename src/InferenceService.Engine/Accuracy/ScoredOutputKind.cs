using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Accuracy;

/// <summary>How an output's predictions are compared with ground truth.</summary>
public enum ScoredOutputKind
{
    /// <summary>Not scored: strings, booleans, or a shape that is neither classes nor numbers per row.</summary>
    None,

    /// <summary>Per-class scores [batch, classes] with a label file: the highest score of a row is its class.</summary>
    ClassScores,

    /// <summary>A class index per row ([batch] or [batch, 1], INT32 or INT64), named by a label file when there is one.</summary>
    ClassIndex,

    /// <summary>Numbers compared value by value: mean absolute error and root mean squared error.</summary>
    Numeric,
}

/// <summary>Decides, from an output's metadata and labels, how it is scored.</summary>
public static class ScoredOutputKinds
{
    public static bool IsClassification(this ScoredOutputKind kind) => kind is ScoredOutputKind.ClassScores or ScoredOutputKind.ClassIndex;

    /// <summary>
    /// Labelled float scores are classes; integer outputs with one value per row are class indices (labelled or not);
    /// every other numeric output is scored as numbers. An unlabelled float [batch, k] output is numeric: nothing says
    /// its columns are classes (a label file does).
    /// </summary>
    public static ScoredOutputKind Of(TensorInfo output, IReadOnlyList<string>? labels)
    {
        ArgumentNullException.ThrowIfNull(output);
        var shape = output.Shape;
        var oneValuePerRow = shape.Count == 1 || (shape.Count == 2 && shape[1] == 1);
        if (labels is { Count: > 0 } && IsFloat(output.ElementType) && shape.Count == 2 && (shape[1] < 0 || shape[1] == labels.Count))
        {
            return ScoredOutputKind.ClassScores;
        }
        if (output.ElementType is TensorElementType.Int64 or TensorElementType.Int32 && oneValuePerRow)
        {
            return ScoredOutputKind.ClassIndex;
        }
        return IsNumeric(output.ElementType) ? ScoredOutputKind.Numeric : ScoredOutputKind.None;
    }

    public static bool IsFloat(TensorElementType type) =>
        type is TensorElementType.Float or TensorElementType.Double or TensorElementType.Float16 or TensorElementType.BFloat16;

    public static bool IsNumeric(TensorElementType type) => IsFloat(type) || type is
        TensorElementType.Int8 or TensorElementType.Int16 or TensorElementType.Int32 or TensorElementType.Int64 or
        TensorElementType.UInt8 or TensorElementType.UInt16 or TensorElementType.UInt32 or TensorElementType.UInt64;
}
