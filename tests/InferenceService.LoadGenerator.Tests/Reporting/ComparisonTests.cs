using InferenceService.LoadGenerator.Reporting;
using InferenceService.LoadGenerator.ServerStats;
using static InferenceService.LoadGenerator.Tests.TestSupport.Results;

namespace InferenceService.LoadGenerator.Tests.Reporting;

public class ComparisonTests
{
    [Fact]
    public void Compare_FourTimesTheThroughputAtLowerP99_MeetsBothTargets()
    {
        var verdicts = Comparison.Compare([Run(Step("c=32", 1000, 20))], [Run(Step("c=32", 4200, 15))], minThroughputRatio: 4, maxP99Ratio: 1);

        var throughput = Assert.Single(verdicts, v => v.Figure == "throughput ratio");
        Assert.True(throughput.Passed);
        Assert.StartsWith("4.20x", throughput.Measured, StringComparison.Ordinal);
        var p99 = Assert.Single(verdicts, v => v.Figure == "admitted p99 ratio");
        Assert.True(p99.Passed);
        Assert.StartsWith("0.75x", p99.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_ThroughputShortOfTheTargetAndWorseP99_FailsBoth()
    {
        var verdicts = Comparison.Compare([Run(Step("c=32", 1000, 20))], [Run(Step("c=32", 1100, 30))], minThroughputRatio: 4, maxP99Ratio: 1);

        var judged = verdicts.Where(v => v.Passed is not null).ToList();
        Assert.Equal(["throughput ratio", "admitted p99 ratio"], judged.Select(v => v.Figure));
        Assert.All(judged, v => Assert.False(v.Passed));
        Assert.Contains("FAIL", verdicts[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_NoTargets_ReportsRatiosWithoutVerdicts()
    {
        var verdicts = Comparison.Compare([Run(Step("c=8", 500, 10))], [Run(Step("c=8", 480, 10))], null, null);

        Assert.All(verdicts, v => Assert.Null(v.Passed));
        Assert.StartsWith("0.96x", verdicts[0].Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_SeveralRunsPerSide_ReportsTheMeanP50RatioWithoutATarget()
    {
        // Results.Latency puts p50 at half the p99: baseline p50s 5 and 15 ms (mean 10), candidate 2.5 and 7.5 (mean 5).
        RunResult[] baseline = [Run(Step("c=32", 1000, 10)), Run(Step("c=32", 1000, 30))];
        RunResult[] candidate = [Run(Step("c=32", 1000, 5)), Run(Step("c=32", 1000, 15))];

        var verdicts = Comparison.Compare(baseline, candidate, 1, 1);

        var p50 = verdicts.Single(v => v.Figure == "admitted p50 ratio");
        Assert.Equal("0.50x (5.00 vs 10.00 ms)", p50.Measured);
        Assert.Null(p50.Passed);
        Assert.Equal("c=32: admitted p50 ratio 0.50x (5.00 vs 10.00 ms)", p50.ToString());
    }

    [Fact]
    public void Compare_BothSidesWithTheServersOwnTimes_ReportsTheirP99RatioWithoutATarget()
    {
        static StepResult WithServer(StepResult step, double p99Ms) =>
            step with { ServerLatency = new ServerLatency { Available = true, Answers = 1000, P50Ms = p99Ms / 4, P99Ms = p99Ms } };

        var verdicts = Comparison.Compare([Run(WithServer(Step("rate=200", 200, 2), 0.9))], [Run(WithServer(Step("rate=200", 200, 6), 2.07))], null, 1.5);

        var server = Assert.Single(verdicts, v => v.Figure == "server's own p99 ratio");
        Assert.Equal("2.30x (2.07 vs 0.90 ms)", server.Measured);
        Assert.Null(server.Passed);
        Assert.DoesNotContain(Comparison.Compare([Run(Step("rate=200", 200, 2))], [Run(WithServer(Step("rate=200", 200, 6), 2.07))], null, null),
            v => v.Figure == "server's own p99 ratio"); // one side without them: no ratio
    }

    [Fact]
    public void Compare_SweepsWithSeveralSteps_PairsStepsByLabel()
    {
        var verdicts = Comparison.Compare([Run(Step("c=1", 100, 1), Step("c=8", 400, 2))], [Run(Step("c=8", 800, 2), Step("c=1", 100, 1))], 1.5, null);

        Assert.True(verdicts.Single(v => v.Step == "c=8" && v.Figure == "throughput ratio").Passed);
        Assert.False(verdicts.Single(v => v.Step == "c=1" && v.Figure == "throughput ratio").Passed);
    }

    [Fact]
    public void Compare_CandidateWithFailures_SaysTheWorkWasUnequal()
    {
        var failing = Step("c=32", 1000, 20) with { Sent = 1200 };

        var verdicts = Comparison.Compare([Run(Step("c=32", 1000, 20))], [Run(failing)], null, null);

        Assert.Contains(verdicts, v => v.Figure == "candidate non-2xx outcomes" && v.Measured == "200");
    }

    [Fact]
    public void Compare_SeveralRunsPerSide_PoolsThroughputOverTimeAndAveragesP99()
    {
        // Baseline: 1000 answers in 1 s and 1000 in 3 s = 500/s. Candidate: 3000 in 2 s, twice = 1500/s.
        RunResult[] baseline = [Run(Step("c=32", 1000, 10) with { ElapsedSeconds = 1 }), Run(Step("c=32", 333, 30) with { ElapsedSeconds = 3 })];
        RunResult[] candidate = [Run(Step("c=32", 1500, 5, succeeded: 3000) with { ElapsedSeconds = 2 }), Run(Step("c=32", 1500, 15, succeeded: 3000) with { ElapsedSeconds = 2 })];

        var verdicts = Comparison.Compare(baseline, candidate, 3, 0.5);

        var throughput = verdicts.Single(v => v.Figure == "throughput ratio");
        Assert.Equal("3.00x (1,500.0 vs 500.0 req/s, 2 and 2 runs pooled; runs ranged 1,500-1,500 and 333-1,000)", throughput.Measured);
        Assert.True(throughput.Passed);
        var p99 = verdicts.Single(v => v.Figure == "admitted p99 ratio");
        Assert.StartsWith("0.50x (10.00 vs 20.00 ms)", p99.Measured, StringComparison.Ordinal);
        Assert.True(p99.Passed);
    }
}
