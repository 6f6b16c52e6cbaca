using InferenceService.Engine.Telemetry;

namespace InferenceService.Engine.Tests.Telemetry;

public class RequestOutcomesTests
{
    [Theory]
    [InlineData(200, "success")]
    [InlineData(204, "success")]
    [InlineData(400, "client_error")]
    [InlineData(404, "client_error")]
    [InlineData(413, "client_error")]
    [InlineData(429, "client_error")]
    [InlineData(499, "client_error")]
    [InlineData(503, "rejected")]
    [InlineData(504, "timed_out")]
    [InlineData(500, "failed")]
    [InlineData(502, "failed")]
    [InlineData(302, "failed")]
    public void FromStatusCode_StatusCode_IsItsOutcome(int statusCode, string expected) =>
        Assert.Equal(expected, RequestOutcomes.FromStatusCode(statusCode));

    [Fact]
    public void All_Always_ListsEachOutcomeOnce() =>
        Assert.Equal(["success", "client_error", "rejected", "timed_out", "failed"], RequestOutcomes.All);
}
