using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>Checks a decoded input against the model's declaration of it, before ONNX Runtime sees it.</summary>
public static class TensorValidator
{
    /// <summary>
    /// Checks the element type, the rank and every fixed dimension of an input against <paramref name="expected"/>.
    /// Dynamic dimensions (-1) take any size. All problems of the input are reported in one message, one sentence
    /// each, so a client fixes its request in one round trip (the dimensions are compared only when the ranks match).
    /// Allocates nothing when the input fits.
    /// </summary>
    /// <exception cref="InferenceException">The input does not fit the declaration.</exception>
    public static void Validate(TensorInfo expected, TensorElementType actualType, ReadOnlySpan<long> shape)
    {
        var problems = new RequestProblems();
        Check(expected, actualType, shape, ref problems);
        problems.ThrowIfAny();
    }

    /// <summary>
    /// As <see cref="Validate"/>, but adds each problem to <paramref name="problems"/> (one sentence each) instead of
    /// throwing, so a whole request's problems go out in one answer. Allocates nothing when the input fits.
    /// </summary>
    public static void Check(TensorInfo expected, TensorElementType actualType, ReadOnlySpan<long> shape, ref RequestProblems problems)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var typeFits = expected.ElementType == actualType;
        var rankFits = expected.Shape.Count == shape.Length;
        if (typeFits && rankFits && DimensionsFit(expected.Shape, shape))
        {
            return;
        }

        var input = $"Input '{expected.Name}'";
        if (!typeFits)
        {
            problems.Add($"{input} expects {TensorDataType.DisplayName(expected.ElementType)}, got {TensorDataType.DisplayName(actualType)}.");
        }
        if (!rankFits)
        {
            problems.Add($"{input} expects rank {expected.Shape.Count} {TensorShapes.Format(expected.Shape)}, got rank {shape.Length} {TensorShapes.Format(shape)}.");
        }
        else
        {
            for (var i = 0; i < shape.Length; i++)
            {
                if (expected.Shape[i] >= 0 && expected.Shape[i] != shape[i])
                {
                    problems.Add($"{input} dimension {i} must be {expected.Shape[i]}, got {shape[i]}.");
                }
            }
        }
    }

    private static bool DimensionsFit(IReadOnlyList<long> expected, ReadOnlySpan<long> shape)
    {
        for (var i = 0; i < shape.Length; i++)
        {
            if (expected[i] >= 0 && expected[i] != shape[i])
            {
                return false;
            }
        }
        return true;
    }
}
