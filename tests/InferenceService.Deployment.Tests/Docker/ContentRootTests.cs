using InferenceService.Hosting;

namespace InferenceService.Deployment.Tests.Docker;

/// <summary>
/// The content root defaults to the app's folder (ContainerStartTests starts the app from elsewhere), unless the command
/// line names one in any spelling the configuration provider accepts.
/// </summary>
public sealed class ContentRootTests
{
    [Theory]
    [InlineData("--contentRoot", "/srv")]
    [InlineData("--contentroot=/srv")]
    [InlineData("/contentRoot", "/srv")]
    [InlineData("contentRoot=/srv")]
    public void DefaultFor_ContentRootOnTheCommandLine_LeavesItToTheHost(params string[] args) =>
        Assert.Null(ContentRoot.DefaultFor(args));

    [Theory]
    [InlineData]
    [InlineData("--urls", "http://127.0.0.1:8080")]
    [InlineData("--ModelRepository:Path=/contentRoot")]
    public void DefaultFor_NoContentRootGiven_IsTheAppsFolder(params string[] args)
    {
        // The test process's environment names no content root either (the test runner does not set one).
        Assert.Null(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"));

        Assert.Equal(AppContext.BaseDirectory, ContentRoot.DefaultFor(args));
    }
}
