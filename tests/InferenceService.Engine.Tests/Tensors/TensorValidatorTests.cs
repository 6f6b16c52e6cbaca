using Microsoft.ML.OnnxRuntime;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InferenceService.Engine.Tests.Tensors.TestJson;

namespace InferenceService.Engine.Tests.Tensors;

public class TensorValidatorTests
{
    private static readonly TensorInfo Input = new("x", OnnxValueType.ONNX_TYPE_TENSOR, TensorElementType.Float, [-1, 4], ["batch", ""]);

    [Theory]
    [InlineData(1L)]
    [InlineData(0L)]
    [InlineData(1000L)]
    public void Validate_MatchingInput_AnyDynamicSize_Passes(long batch) =>
        TensorValidator.Validate(Input, TensorElementType.Float, [batch, 4]);

    [Fact]
    public void Validate_WrongType_ThrowsNamingBoth() =>
        AssertInvalid("Input 'x' expects FP32, got INT32.", () => TensorValidator.Validate(Input, TensorElementType.Int32, [2, 4]));

    [Fact]
    public void Validate_WrongRank_ThrowsWithBothShapes() =>
        AssertInvalid("Input 'x' expects rank 2 [-1, 4], got rank 1 [4].", () => TensorValidator.Validate(Input, TensorElementType.Float, [4]));

    [Fact]
    public void Validate_ScalarForMatrix_ThrowsWithEmptyShape() =>
        AssertInvalid("Input 'x' expects rank 2 [-1, 4], got rank 0 [].", () => TensorValidator.Validate(Input, TensorElementType.Float, []));

    [Fact]
    public void Validate_WrongFixedDimension_ThrowsNamingDimension() =>
        AssertInvalid("Input 'x' dimension 1 must be 4, got 3.", () => TensorValidator.Validate(Input, TensorElementType.Float, [2, 3]));

    [Fact]
    public void Validate_SeveralProblems_ReportsAllInOneMessage()
    {
        var input = new TensorInfo("image", OnnxValueType.ONNX_TYPE_TENSOR, TensorElementType.UInt8, [1, 3, 224, 224], ["", "", "", ""]);
        AssertInvalid("Input 'image' expects UINT8, got FP32. Input 'image' dimension 0 must be 1, got 2. Input 'image' dimension 3 must be 224, got 225.",
            () => TensorValidator.Validate(input, TensorElementType.Float, [2, 3, 224, 225]));
    }

    [Fact]
    public void Validate_WrongTypeAndRank_ReportsBoth() =>
        AssertInvalid("Input 'x' expects FP32, got BYTES. Input 'x' expects rank 2 [-1, 4], got rank 3 [1, 2, 4].",
            () => TensorValidator.Validate(Input, TensorElementType.String, [1, 2, 4]));

    [Fact]
    public void Validate_ModelTypeWithoutProtocolName_UsesOnnxName()
    {
        var input = new TensorInfo("z", OnnxValueType.ONNX_TYPE_TENSOR, TensorElementType.Complex64, [2], [""]);
        AssertInvalid("Input 'z' expects COMPLEX64, got FP32.", () => TensorValidator.Validate(input, TensorElementType.Float, [2]));
    }
}
