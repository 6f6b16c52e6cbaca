using System.Text;
using InferenceService.LoadGenerator.Outputs;

namespace InferenceService.LoadGenerator.Tests.Outputs;

public class OutputComparisonTests
{
    private static IReadOnlyList<OutputTensor> Parse(string json) => InferOutputs.Parse(Encoding.UTF8.GetBytes(json));

    private static IReadOnlyList<OutputTensor> Logits(params double[] values) =>
        [new OutputTensor("logits", "FP32", [1, values.Length], values, null)];

    [Fact]
    public void Parse_FlatAndNestedDataBooleansAndNonFiniteStrings_ReadsEveryElementInOrder()
    {
        var outputs = Parse("""
            {"model_name":"m","outputs":[
              {"name":"a","datatype":"FP32","shape":[2,2],"data":[[1,2],[3.5,"NaN"]]},
              {"name":"b","datatype":"BOOL","shape":[2],"data":[true,false]},
              {"name":"c","datatype":"BYTES","shape":[1],"data":["setosa"]}]}
            """);

        Assert.Equal([1, 2, 3.5, double.NaN], outputs[0].Numbers!);
        Assert.Equal([2L, 2], outputs[0].Shape);
        Assert.Equal([1.0, 0], outputs[1].Numbers!);
        Assert.Equal(["setosa"], outputs[2].Strings!);
    }

    [Fact]
    public void Parse_NotAnInferResponse_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => Parse("""{"error":"model is not ready"}"""));
    }

    [Fact]
    public void Compare_DifferenceWithinTheTarget_PassesAndReportsTheLargestDifference()
    {
        var verdict = OutputComparison.Compare("cpu", Logits(0.5, -1, 2), "cuda", Logits(0.5001, -1, 1.9998), maxAbsDiff: 1e-3);

        Assert.True(verdict.Passed);
        Assert.Equal("cuda vs cpu", verdict.Step);
        Assert.StartsWith("0.0002 over 3 values of 1 output(s)", verdict.Measured, StringComparison.Ordinal);
        Assert.Contains("'logits' [1, 3]", verdict.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_DifferenceBeyondTheTarget_Fails()
    {
        var verdict = OutputComparison.Compare("cpu", Logits(0.5, -1, 2), "cuda", Logits(0.5, -0.75, 2), maxAbsDiff: 0.1);

        Assert.False(verdict.Passed);
        Assert.StartsWith("0.25 ", verdict.Measured, StringComparison.Ordinal);
        Assert.Contains("FAIL", verdict.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_NoTarget_ReportsWithoutAVerdict()
    {
        var verdict = OutputComparison.Compare("cpu", Logits(1, 2), "cuda", Logits(1, 2), maxAbsDiff: null);

        Assert.Null(verdict.Passed);
        Assert.StartsWith("0 over 2 values", verdict.Measured, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"name":"logits","datatype":"FP32","shape":[1,2],"data":[1,2]},{"name":"extra","datatype":"FP32","shape":[1],"data":[0]}]""", "outputs [extra, logits] instead of [logits]")]
    [InlineData("""[{"name":"logits","datatype":"FP64","shape":[1,2],"data":[1,2]}]""", "'logits' is FP64 instead of FP32")]
    [InlineData("""[{"name":"logits","datatype":"FP32","shape":[2,1],"data":[1,2]}]""", "'logits' has shape [2, 1]")]
    public void Compare_AnswersOfDifferentStructure_FailWithWhatDiffers(string candidateOutputs, string expected)
    {
        var verdict = OutputComparison.Compare("cpu", Logits(1, 2), "cuda", Parse($$"""{"outputs":{{candidateOutputs}}}"""), maxAbsDiff: 1);

        Assert.False(verdict.Passed);
        Assert.Contains(expected, verdict.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxAbsDiff_NaNOnOneSideOnly_IsInfinitelyFarAndNaNOnBothIsEqual()
    {
        Assert.Equal(double.PositiveInfinity, OutputComparison.MaxAbsDiff([1, double.NaN], [1, 0]));
        Assert.Equal(0, OutputComparison.MaxAbsDiff([double.NaN, double.PositiveInfinity], [double.NaN, double.PositiveInfinity]));
    }

    [Fact]
    public void Compare_BytesOutputsThatDiffer_Fail()
    {
        IReadOnlyList<OutputTensor> Label(string value) => [new OutputTensor("label", "BYTES", [1], null, [value])];

        Assert.True(OutputComparison.Compare("a", Label("setosa"), "b", Label("setosa"), 0).Passed);
        Assert.False(OutputComparison.Compare("a", Label("setosa"), "b", Label("virginica"), 0).Passed);
    }
}
