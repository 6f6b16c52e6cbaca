using InferenceService.LoadGenerator.Measurement;
using InferenceService.LoadGenerator.Reporting;

namespace InferenceService.LoadGenerator.Tests.TestSupport;

/// <summary>Hand-made results, shaped like a run's, for the tests of what reads them.</summary>
internal static class Results
{
    public static LatencySummary Latency(double p99Ms, long count = 100) => new(count, p99Ms / 2, p99Ms * 0.8, p99Ms, p99Ms * 2, p99Ms / 2);

    public static StepResult Step(string label, double requestsPerSecond, double admittedP99Ms, long succeeded = 1000) => new()
    {
        Label = label,
        Sent = succeeded,
        Succeeded = succeeded,
        Answered = succeeded,
        RequestsPerSecond = requestsPerSecond,
        ElapsedSeconds = requestsPerSecond > 0 ? succeeded / requestsPerSecond : 0,
        Admitted = Latency(admittedP99Ms, succeeded),
        Latency = Latency(admittedP99Ms, succeeded),
        StatusCounts = new Dictionary<int, long> { [200] = succeeded },
    };

    public static RunResult Run(params StepResult[] steps) => new() { Model = "mlp", Target = "http://127.0.0.1:8080/", Mode = "closed_loop", Steps = steps };
}
