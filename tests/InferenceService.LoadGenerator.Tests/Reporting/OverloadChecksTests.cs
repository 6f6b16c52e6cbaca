using InferenceService.LoadGenerator.Reporting;
using static InferenceService.LoadGenerator.Tests.TestSupport.Results;

namespace InferenceService.LoadGenerator.Tests.Reporting;

public class OverloadChecksTests
{
    private static StepResult Overloaded(double rejectedP99Ms, long otherServerErrors = 0, long transportErrors = 0) =>
        Step("rate=4000", 1000, 40) with
        {
            Rejected = Latency(rejectedP99Ms, 3000),
            StatusCounts = new Dictionary<int, long> { [200] = 1000, [503] = 3000 },
            OtherServerErrors = otherServerErrors,
            TransportErrorCount = transportErrors,
        };

    [Fact]
    public void Evaluate_FastRefusalsAndNoFailures_Passes()
    {
        var verdicts = OverloadChecks.Evaluate(Run(Overloaded(3)), 0, 0, max503P99Ms: 10);

        Assert.DoesNotContain(verdicts, v => v.Passed == false);
        Assert.Contains(verdicts, v => v.Figure == "503 p99" && v.Passed == true);
        Assert.Contains(verdicts, v => v.Figure == "admitted p99" && v.Passed == null && v.Measured.StartsWith("40 ms", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(12, 0, 0, "503 p99")]
    [InlineData(3, 1, 0, "5xx other than 503/504")]
    [InlineData(3, 0, 2, "transport errors")]
    public void Evaluate_SlowRefusalsOrAnyFailure_Fails(double rejectedP99Ms, long other, long transport, string failing)
    {
        var verdicts = OverloadChecks.Evaluate(Run(Overloaded(rejectedP99Ms, other, transport)), 0, 0, max503P99Ms: 10);

        Assert.Equal(failing, Assert.Single(verdicts, v => v.Passed == false).Figure);
    }

    [Fact]
    public void Evaluate_NoRefusalAtAll_FailsTheSheddingCheck()
    {
        var verdicts = OverloadChecks.Evaluate(Run(Step("rate=4000", 1000, 900)), 0, 0, max503P99Ms: 10);

        var shedding = Assert.Single(verdicts, v => v.Figure == "503 p99");
        Assert.False(shedding.Passed);
        Assert.Contains("no request was refused", shedding.Measured, StringComparison.Ordinal);
    }
}
