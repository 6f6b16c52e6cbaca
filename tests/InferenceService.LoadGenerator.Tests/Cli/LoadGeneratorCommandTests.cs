using InferenceService.LoadGenerator.Cli;

namespace InferenceService.LoadGenerator.Tests.Cli;

public class LoadGeneratorCommandTests
{
    [Fact]
    public async Task Invoke_RemoteTarget_ExitsWithUsageErrorBeforeSendingAnything()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await LoadGeneratorCommand.Create(output, error)
            .Parse(["-m", "mlp", "-c", "1", "--url", "http://198.51.100.1:8080"]).InvokeAsync();

        Assert.Equal(LoadGeneratorCommand.UsageError, exitCode);
        Assert.Contains("not this machine", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("warming up", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public async Task Invoke_NothingListening_ExitsWithUsageErrorSayingSo()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        // Port 1 on the loopback interface: nothing listens there, so the connection is refused at once.
        var exitCode = await LoadGeneratorCommand.Create(output, error)
            .Parse(["-m", "mlp", "-c", "1", "--url", "http://127.0.0.1:1", "--timeout", "5s"]).InvokeAsync();

        Assert.Equal(LoadGeneratorCommand.UsageError, exitCode);
        Assert.Contains("cannot be reached", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_CheckOnMissingFile_ExitsWithUsageError()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await LoadGeneratorCommand.Create(output, error).Parse(["check", "--result", "/nonexistent/results.json"]).InvokeAsync();

        Assert.Equal(LoadGeneratorCommand.UsageError, exitCode);
        Assert.Contains("error:", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "compare-outputs", "-m", "a" }, "at least two different models")]
    [InlineData(new[] { "compare-outputs", "-m", "a", "-m", "a" }, "at least two different models")]
    [InlineData(new[] { "compare-outputs", "-m", "a", "-m", "b", "--url", "http://198.51.100.1:8080" }, "not this machine")]
    [InlineData(new[] { "compare-outputs", "-m", "a", "-m", "b", "--max-abs-diff", "-1" }, "--max-abs-diff must be 0 or more")]
    public async Task Invoke_CompareOutputsWithAWrongCommandLine_ExitsWithUsageErrorSayingWhy(string[] args, string expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await LoadGeneratorCommand.Create(output, error).Parse(args).InvokeAsync();

        Assert.Equal(LoadGeneratorCommand.UsageError, exitCode);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public async Task Invoke_CompareOutputsWithNothingListening_ExitsWithUsageErrorSayingSo()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await LoadGeneratorCommand.Create(output, error)
            .Parse(["compare-outputs", "-m", "a", "-m", "b", "--url", "http://127.0.0.1:1", "--timeout", "5s"]).InvokeAsync();

        Assert.Equal(LoadGeneratorCommand.UsageError, exitCode);
        Assert.Contains("cannot be reached", error.ToString(), StringComparison.Ordinal);
    }
}
