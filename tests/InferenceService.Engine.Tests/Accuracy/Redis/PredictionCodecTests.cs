using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Accuracy.Redis;
using static InferenceService.Engine.Tests.TestSupport.AccuracyModels;

namespace InferenceService.Engine.Tests.Accuracy.Redis;

/// <summary>The kept prediction's bytes, written straight into a batch's buffer and read back as another replica reads them.</summary>
public sealed class PredictionCodecTests
{
    [Fact]
    public void Encode_IntoASliceOfABatchBuffer_DecodesToTheSamePrediction()
    {
        using var iris = Iris();
        var model = new ModelAccuracy(iris, RollingWindow.From(new AccuracyOptions()));
        var madeAt = new DateTimeOffset(2026, 12, 1, 15, 0, 0, TimeSpan.Zero).AddTicks(7);
        var prediction = new Prediction(new PredictionKey("iris", 1, "p"), madeAt,
        [
            new OutputPrediction(model.Find("label")!, 2, 2, [2, 0], null),
            new OutputPrediction(model.Find("probabilities")!, 2, 2, [1, 1], null),
        ])
        {
            IsScored = true,
        };
        var length = PredictionCodec.EncodedLength(prediction);
        var buffer = new byte[length + 10];

        PredictionCodec.Encode(prediction, buffer.AsSpan(5, length));

        Assert.Equal(PredictionCodec.Encode(prediction), buffer.AsSpan(5, length).ToArray());
        var decoded = PredictionCodec.Decode(prediction.Key, buffer.AsSpan(5, length).ToArray(), model);
        Assert.NotNull(decoded);
        Assert.True(decoded.IsScored);
        Assert.Equal(madeAt, decoded.MadeAt);
        Assert.Equal(["label", "probabilities"], decoded.Outputs.Select(o => o.Output.Name));
        Assert.Equal([2L, 0], decoded.Outputs[0].Classes!);
        Assert.Equal((2, 2L), (decoded.Outputs[1].Rows, decoded.Outputs[1].ValueCount));
    }

    [Fact]
    public void Decode_NumbersOfANumericOutput_ComeBackBitForBit()
    {
        using var regressor = IdentityFloat();
        var model = new ModelAccuracy(regressor, RollingWindow.From(new AccuracyOptions()));
        double[] values = [0.1, -2.5e-300, double.MaxValue];
        var prediction = new Prediction(new PredictionKey("regressor", 1, "q"), DateTimeOffset.UnixEpoch, [new OutputPrediction(model.Find("y")!, 1, 3, null, values)]);

        var decoded = PredictionCodec.Decode(prediction.Key, PredictionCodec.Encode(prediction), model);

        Assert.Equal(values, Assert.Single(decoded!.Outputs).Values!);
        Assert.False(decoded.IsScored);
    }
}
