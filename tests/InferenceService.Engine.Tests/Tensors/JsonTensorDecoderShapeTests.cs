using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InferenceService.Engine.Tests.Tensors.TestJson;

namespace InferenceService.Engine.Tests.Tensors;

/// <summary>Shapes and structure: nesting, flattening, ragged and mixed arrays, shape arithmetic.</summary>
public class JsonTensorDecoderShapeTests
{
    private static InputTensor Nested(string json) => JsonTensorDecoder.DecodeNested("x", Parse(json), TensorElementType.Float);

    private static InputTensor WithShape(string json, params long[] shape) =>
        JsonTensorDecoder.DecodeWithShape("x", Parse(json), TensorElementType.Float, shape);

    [Fact]
    public void DecodeNested_Scalar_HasEmptyShape()
    {
        using var tensor = Nested("2.5");
        Assert.Equal([], tensor.Shape);
        Assert.Equal(1, tensor.ElementCount);
        Assert.Equal([2.5f], tensor.GetData<float>().ToArray());
    }

    [Fact]
    public void DecodeNested_EmptyArray_HasShapeZero()
    {
        using var tensor = Nested("[]");
        Assert.Equal([0L], tensor.Shape);
        Assert.Equal(0, tensor.Data.Length);
    }

    [Fact]
    public void DecodeNested_Matrix_HasNestingShapeAndRowMajorData()
    {
        using var tensor = Nested("[[1, 2, 3], [4, 5, 6]]");
        Assert.Equal([2L, 3L], tensor.Shape);
        Assert.Equal(6, tensor.ElementCount);
        Assert.Equal(24, tensor.Data.Length);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], tensor.GetData<float>().ToArray());
    }

    [Fact]
    public void DecodeNested_EmptyRows_HasShapeTwoByZero()
    {
        using var tensor = Nested("[[], []]");
        Assert.Equal([2L, 0L], tensor.Shape);
        Assert.Equal(0, tensor.Data.Length);
    }

    [Fact]
    public void DecodeNested_ThreeLevels_HasRankThree()
    {
        using var tensor = Nested("[[[1, 2]], [[3, 4]], [[5, 6]]]");
        Assert.Equal([3L, 1L, 2L], tensor.Shape);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], tensor.GetData<float>().ToArray());
    }

    [Fact]
    public void DecodeNested_ShorterRow_ThrowsNamingRows() =>
        AssertInvalid("Input 'x' is ragged: row [1] has 2 elements, row [0] has 3.", () => Nested("[[1, 2, 3], [4, 5]]"));

    [Fact]
    public void DecodeNested_LongerLaterRow_ThrowsNamingRows() =>
        AssertInvalid("Input 'x' is ragged: row [2] has 3 elements, row [0] has 2.", () => Nested("[[1, 2], [3, 4], [5, 6, 7]]"));

    [Fact]
    public void DecodeNested_RaggedInnerRow_ThrowsWithFullPosition() =>
        AssertInvalid("Input 'x' is ragged: row [1][1] has 1 element, row [0][0] has 2.", () => Nested("[[[1, 2], [3, 4]], [[5, 6], [7]]]"));

    [Fact]
    public void DecodeNested_RowAfterEmptyRow_ThrowsRagged() =>
        AssertInvalid("Input 'x' is ragged: row [1] has 1 element, row [0] has 0.", () => Nested("[[], [1]]"));

    [Fact]
    public void DecodeNested_ScalarAmongRows_ThrowsMixed() =>
        AssertInvalid("Input 'x' mixes arrays and scalars: [1] is the number 3, but [0] is an array.", () => Nested("[[1, 2], 3]"));

    [Fact]
    public void DecodeNested_RowAmongScalars_ThrowsMixed() =>
        AssertInvalid("Input 'x' mixes arrays and scalars: [2] is an array, but [0] is the number 1.", () => Nested("[1, 2, [3]]"));

    [Fact]
    public void DecodeNested_RowInsideInnermostLevel_ThrowsMixed() =>
        AssertInvalid("Input 'x' mixes arrays and scalars: [1][0] is an array, but [0][0] is the number 1.", () => Nested("[[1, 2], [[3], 4]]"));

    [Fact]
    public void DecodeNested_DeeperThanMaxRank_Throws()
    {
        var json = new string('[', 65) + "1" + new string(']', 65);
        AssertInvalid("Input 'x' nests arrays more than 64 levels deep.",
            () => JsonTensorDecoder.DecodeNested("x", Parse(json, maxDepth: 100), TensorElementType.Float));
    }

    [Fact]
    public void DecodeNested_Object_ThrowsWrongKind() =>
        AssertInvalid("Input 'x': expected a number, \"NaN\", \"Infinity\" or \"-Infinity\" for FP32, got an object.", () => Nested("{\"a\": 1}"));

    [Fact]
    public void DecodeWithShape_FlatData_TakesGivenShape()
    {
        using var tensor = WithShape("[1, 2, 3, 4, 5, 6]", 2, 3);
        Assert.Equal([2L, 3L], tensor.Shape);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], tensor.GetData<float>().ToArray());
    }

    [Fact]
    public void DecodeWithShape_NestedData_FlattensInRowMajorOrder()
    {
        using var tensor = WithShape("[[1, 2, 3], [4, 5, 6]]", 3, 2);
        Assert.Equal([3L, 2L], tensor.Shape);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], tensor.GetData<float>().ToArray());
    }

    [Fact]
    public void DecodeWithShape_UnevenRowsWithMatchingCount_Flattens()
    {
        using var tensor = WithShape("[[1, 2], [3]]", 3);
        Assert.Equal([1f, 2f, 3f], tensor.GetData<float>().ToArray());
    }

    [Fact]
    public void DecodeWithShape_ScalarsAtTwoDepths_ThrowsMixed() =>
        AssertInvalid("Input 'x' mixes arrays and scalars: [1] is the number 3, but [0] is an array.", () => WithShape("[[1, 2], 3]", 3));

    [Fact]
    public void DecodeWithShape_DeeperRowAfterEmptyRow_ThrowsMixed() =>
        AssertInvalid("Input 'x' mixes arrays and scalars: [1][0] is an array, but [0] is an empty array.", () => WithShape("[[], [[1]]]", 1));

    [Fact]
    public void DecodeWithShape_ScalarShapeOneValue_HasEmptyShape()
    {
        using var tensor = WithShape("[7]");
        Assert.Equal([], tensor.Shape);
        Assert.Equal([7f], tensor.GetData<float>().ToArray());
    }

    [Fact]
    public void DecodeWithShape_EmptyDataZeroDimension_IsEmpty()
    {
        using var tensor = WithShape("[]", 2, 0);
        Assert.Equal([2L, 0L], tensor.Shape);
        Assert.Equal(0, tensor.Data.Length);
    }

    [Fact]
    public void DecodeWithShape_TooFewValues_ThrowsCountMismatch() =>
        AssertInvalid("Input 'x' has shape [2, 3], which holds 6 elements, but 5 were given.", () => WithShape("[1, 2, 3, 4, 5]", 2, 3));

    [Fact]
    public void DecodeWithShape_TooManyNestedValues_ThrowsCountMismatch() =>
        AssertInvalid("Input 'x' has shape [1], which holds 1 element, but 4 were given.", () => WithShape("[[1, 2], [3, 4]]", 1));

    [Fact]
    public void DecodeWithShape_HugeShapeSmallData_ThrowsCountMismatchWithoutAllocating() =>
        AssertInvalid("Input 'x' has shape [1000000000000], which holds 1000000000000 elements, but 1 was given.", () => WithShape("[1]", 1_000_000_000_000));

    [Fact]
    public void DecodeWithShape_NegativeDimension_Throws() =>
        AssertInvalid("Input 'x' has a negative dimension (-1) in shape [-1, 3].", () => WithShape("[1, 2, 3]", -1, 3));

    [Fact]
    public void DecodeWithShape_OverflowingDimensions_Throws() =>
        AssertInvalid("Input 'x' shape [4294967296, 4294967296] has more elements than a tensor can hold.", () => WithShape("[1]", 4294967296, 4294967296));

    [Fact]
    public void DecodeWithShape_OverflowingDimensionsWithZero_IsEmpty()
    {
        using var tensor = WithShape("[]", 4294967296, 4294967296, 0);
        Assert.Equal(0, tensor.ElementCount);
    }

    [Fact]
    public void DecodeWithShape_ElementErrorInNestedData_NamesPositionAsWritten() =>
        AssertInvalid("Input 'x' element [1][0]: expected a number, \"NaN\", \"Infinity\" or \"-Infinity\" for FP32, got null.",
            () => WithShape("[[1, 2], [null, 4]]", 4));
}
