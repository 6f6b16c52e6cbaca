using System.Numerics;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Accuracy;

/// <summary>
/// Reads what scoring needs out of an output tensor, before the response's tensors are disposed: the class and top-1
/// confidence of each row, or the numbers. One pass over the data, nothing allocated but the destination.
/// </summary>
internal static class OutputReader
{
    // Scores whose row sums to 1 within this are taken as probabilities already; anything else is softmaxed.
    private const double ProbabilitySumTolerance = 1e-3;

    /// <summary>Rows of an output: its first dimension (a scalar is one row).</summary>
    public static int RowsOf(OutputTensor value) => value.Shape.Count == 0 ? 1 : checked((int)value.Shape[0]);

    /// <summary>
    /// The predicted class and confidence of each row into <paramref name="rows"/> (sized <see cref="RowsOf"/>). False
    /// when the tensor does not have the shape its kind promises (scores whose class count differs from the labels).
    /// </summary>
    public static bool TryReadClasses(OutputTensor value, OutputTracker output, Span<PredictedRow> rows)
    {
        if (output.Kind == ScoredOutputKind.ClassIndex)
        {
            if (value.ElementCount != rows.Length)
            {
                return false;
            }
            if (value.ElementType == TensorElementType.Int64)
            {
                var indices = value.GetTensorData<long>();
                for (var r = 0; r < rows.Length; r++)
                {
                    rows[r] = new PredictedRow(indices[r], double.NaN);
                }
            }
            else
            {
                var indices = value.GetTensorData<int>();
                for (var r = 0; r < rows.Length; r++)
                {
                    rows[r] = new PredictedRow(indices[r], double.NaN);
                }
            }
            return true;
        }

        var classCount = output.Labels!.Count;
        if (value.Shape.Count != 2 || value.Shape[1] != classCount)
        {
            return false;
        }
        switch (value.ElementType)
        {
            case TensorElementType.Float:
                ReadScoreRows(value.GetTensorData<float>(), classCount, rows);
                return true;
            case TensorElementType.Double:
                ReadScoreRows(value.GetTensorData<double>(), classCount, rows);
                return true;
            default:
                // Half and bfloat16 scores are rare: widen them first.
                var widened = new double[value.ElementCount];
                ReadNumbers(value, widened);
                ReadScoreRows<double>(widened, classCount, rows);
                return true;
        }
    }

    /// <summary>Every element of a numeric tensor, widened to double, row-major.</summary>
    public static void ReadNumbers(OutputTensor value, Span<double> destination)
    {
        switch (value.ElementType)
        {
            case TensorElementType.Float: Widen(value.GetTensorData<float>(), destination); break;
            case TensorElementType.Double: value.GetTensorData<double>().CopyTo(destination); break;
            case TensorElementType.Float16: Widen(value.GetTensorData<Half>(), destination); break;
            case TensorElementType.Int8: Widen(value.GetTensorData<sbyte>(), destination); break;
            case TensorElementType.Int16: Widen(value.GetTensorData<short>(), destination); break;
            case TensorElementType.Int32: Widen(value.GetTensorData<int>(), destination); break;
            case TensorElementType.Int64: Widen(value.GetTensorData<long>(), destination); break;
            case TensorElementType.UInt8: Widen(value.GetTensorData<byte>(), destination); break;
            case TensorElementType.UInt16: Widen(value.GetTensorData<ushort>(), destination); break;
            case TensorElementType.UInt32: Widen(value.GetTensorData<uint>(), destination); break;
            case TensorElementType.UInt64: Widen(value.GetTensorData<ulong>(), destination); break;
            case TensorElementType.BFloat16:
                var source = value.GetTensorData<BFloat16>();
                for (var i = 0; i < source.Length; i++)
                {
                    destination[i] = (float)source[i];
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(value), value.ElementType, "Not a numeric tensor.");
        }
    }

    private static void Widen<T>(ReadOnlySpan<T> source, Span<double> destination)
        where T : INumberBase<T>
    {
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = double.CreateTruncating(source[i]);
        }
    }

    /// <summary>
    /// The argmax of each row, and its confidence: the top score itself when the row already holds probabilities
    /// (every score in [0, 1], summing to 1), else the top score's softmax probability.
    /// </summary>
    private static void ReadScoreRows<T>(ReadOnlySpan<T> scores, int classCount, Span<PredictedRow> rows)
        where T : IFloatingPointIeee754<T>
    {
        for (var r = 0; r < rows.Length; r++)
        {
            var row = scores.Slice(r * classCount, classCount);
            var best = 0;
            var sum = 0.0;
            var probabilities = true;
            for (var c = 0; c < row.Length; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
                var score = double.CreateTruncating(row[c]);
                probabilities &= score is >= 0 and <= 1;
                sum += score;
            }
            var top = double.CreateTruncating(row[best]);
            double confidence;
            if (probabilities && Math.Abs(sum - 1) <= ProbabilitySumTolerance)
            {
                confidence = top;
            }
            else
            {
                var denominator = 0.0;
                foreach (var score in row)
                {
                    denominator += Math.Exp(double.CreateTruncating(score) - top);
                }
                confidence = 1 / denominator;
            }
            rows[r] = new PredictedRow(best, confidence);
        }
    }
}
