using Microsoft.ML.OnnxRuntime;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Accuracy;

public sealed class ScoredOutputKindTests
{
    private static TensorInfo Output(TensorElementType type, params long[] shape) =>
        new("out", OnnxValueType.ONNX_TYPE_TENSOR, type, shape, shape.Select(_ => "").ToArray());

    private static readonly IReadOnlyList<string> ThreeLabels = ["a", "b", "c"];

    [Theory]
    [InlineData(TensorElementType.Float, new long[] { -1, 3 }, true, ScoredOutputKind.ClassScores)]
    [InlineData(TensorElementType.Double, new long[] { -1, -1 }, true, ScoredOutputKind.ClassScores)]
    [InlineData(TensorElementType.Float, new long[] { -1, 4 }, true, ScoredOutputKind.Numeric)]
    [InlineData(TensorElementType.Float, new long[] { -1, 3 }, false, ScoredOutputKind.Numeric)]
    [InlineData(TensorElementType.Int64, new long[] { -1 }, true, ScoredOutputKind.ClassIndex)]
    [InlineData(TensorElementType.Int32, new long[] { -1, 1 }, false, ScoredOutputKind.ClassIndex)]
    [InlineData(TensorElementType.Int64, new long[] { -1, 3 }, false, ScoredOutputKind.Numeric)]
    [InlineData(TensorElementType.UInt8, new long[] { -1 }, false, ScoredOutputKind.Numeric)]
    [InlineData(TensorElementType.String, new long[] { -1 }, true, ScoredOutputKind.None)]
    [InlineData(TensorElementType.Bool, new long[] { -1 }, false, ScoredOutputKind.None)]
    public void Of_OutputShapeTypeAndLabels_DecideHowItIsScored(TensorElementType type, long[] shape, bool labelled, ScoredOutputKind expected)
    {
        Assert.Equal(expected, ScoredOutputKinds.Of(Output(type, shape), labelled ? ThreeLabels : null));
    }
}
