using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Tensors;

/// <summary>The classification extension's ranking: per row of the last dimension, highest first, ties by index, NaN last.</summary>
public class TopClassesTests
{
    private static OutputTensor Tensor<T>(long[] shape, T[] values) where T : unmanaged
    {
        var value = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(values, shape);
        return OutputTensor.Whole(value);
    }

    [Fact]
    public void Rank_RowsOfScores_RanksEachRowWithLabels()
    {
        var classes = TopClasses.Rank(Tensor([2, 3], new[] { 0.1f, 0.7f, 0.2f, 0.5f, float.NaN, 0.5f }), 2, ["a", "b", "c"], out var shape);

        Assert.Equal([2L, 2L], shape);
        Assert.Equal(["0.7:1:b", "0.2:2:c", "0.5:0:a", "0.5:2:c"], classes);
    }

    [Fact]
    public void Rank_CountAboveClasses_GivesEveryClassAndNaNLast()
    {
        var classes = TopClasses.Rank(Tensor([3], new[] { float.NaN, -1f, 3f }), 10, null, out var shape);

        Assert.Equal([3L], shape);
        Assert.Equal(["3:2", "-1:1", "NaN:0"], classes);
    }

    [Fact]
    public void Rank_Int64_ComparesExactly()
    {
        var classes = TopClasses.Rank(Tensor([3], new[] { 9007199254740993L, 9007199254740992L, 1L }), 1, ["x"], out _);

        Assert.Equal(["9007199254740993:0:x"], classes);
    }

    [Theory]
    [InlineData(TensorElementType.Bool, false)]
    [InlineData(TensorElementType.String, false)]
    [InlineData(TensorElementType.Float16, true)]
    [InlineData(TensorElementType.UInt8, true)]
    public void CanRank_NumbersOnly(TensorElementType type, bool expected) => Assert.Equal(expected, TopClasses.CanRank(type));
}
