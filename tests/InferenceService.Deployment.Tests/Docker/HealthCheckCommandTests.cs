using InferenceService.Health;

namespace InferenceService.Deployment.Tests.Docker;

/// <summary>The --healthcheck command's argument handling (its exit codes against a live server: ContainerStartTests).</summary>
public sealed class HealthCheckCommandTests
{
    [Theory]
    [InlineData("--healthcheck")]
    [InlineData("--healthcheck", "not a url")]
    [InlineData("--healthcheck", "ftp://127.0.0.1/health/live")]
    [InlineData("--healthcheck", "http://127.0.0.1:8080/health/live", "extra")]
    public async Task RunAsync_WithoutOneHttpUrl_ExitsWithUsageError(params string[] args)
    {
        Assert.True(HealthCheckCommand.IsRequested(args));

        Assert.Equal(2, await HealthCheckCommand.RunAsync(args));
    }

    [Theory]
    [InlineData]
    [InlineData("--urls", "http://127.0.0.1:8080")]
    [InlineData("--urls", "http://127.0.0.1:8080", "--healthcheck", "http://127.0.0.1:8080/health/live")]
    public void IsRequested_NotTheFirstArgument_StartsTheServer(params string[] args) =>
        Assert.False(HealthCheckCommand.IsRequested(args));
}
