using System.CommandLine;
using InferenceService.LoadGenerator.Cli;

namespace InferenceService.LoadGenerator.Tests.Cli;

public class RunCommandLineTests
{
    private static (RunOptions? Options, List<string> Problems) Read(params string[] args)
    {
        var line = new RunCommandLine();
        var root = new RootCommand();
        line.AddTo(root);
        var problems = new List<string>();
        var options = line.Read(root.Parse(args), problems);
        return (options, problems);
    }

    [Fact]
    public void Read_ConcurrencySweep_GivesClosedLoopStepsWithDefaults()
    {
        var (options, problems) = Read("--model", "mlp", "--concurrency", "1,8,32");

        Assert.Empty(problems);
        Assert.NotNull(options);
        Assert.Equal(new Uri("http://127.0.0.1:8080/"), options.BaseUrl);
        Assert.Equal([1, 8, 32], options.Concurrency!);
        Assert.False(options.IsOpenLoop);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Duration);
        Assert.Null(options.RequestsPerStep);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Warmup);
        Assert.Equal(32, options.WarmupConcurrency);
        Assert.Equal(32, options.ConnectionLimit);
        Assert.Equal(1, options.BatchSize);
    }

    [Fact]
    public void Read_FixedRateWithCount_GivesOpenLoopWithConnectionsForEveryRequestInFlight()
    {
        var (options, problems) = Read("-m", "mlp", "--rate", "400", "--requests", "1000", "--max-in-flight", "256", "--url", "http://localhost:9000", "--model-version", "2");

        Assert.Empty(problems);
        Assert.True(options!.IsOpenLoop);
        Assert.Equal([400.0], options.Rate!);
        Assert.Equal(1000, options.RequestsPerStep);
        Assert.Null(options.Duration);
        Assert.Equal(256, options.ConnectionLimit);
        Assert.Equal(8, options.WarmupConcurrency);
        Assert.Equal("2", options.Version);
    }

    [Fact]
    public void Read_RemoteHost_IsRefused()
    {
        var (options, problems) = Read("-m", "mlp", "-c", "1", "--url", "http://203.0.113.7:8080");

        Assert.Null(options);
        Assert.Contains(problems, p => p.Contains("203.0.113.7", StringComparison.Ordinal) && p.Contains("not this machine", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("exactly one of --concurrency", "-m", "mlp")]
    [InlineData("exactly one of --concurrency", "-m", "mlp", "-c", "4", "-r", "100")]
    [InlineData("not both", "-m", "mlp", "-c", "4", "-d", "5s", "-n", "100")]
    [InlineData("--concurrency must list", "-m", "mlp", "-c", "2000")]
    [InlineData("--concurrency must list", "-m", "mlp", "-c", "1.5")]
    [InlineData("--rate must list", "-m", "mlp", "-r", "0")]
    [InlineData("--rate must list", "-m", "mlp", "-r", "1000000")]
    [InlineData("--duration must be", "-m", "mlp", "-c", "1", "-d", "11m")]
    [InlineData("--duration must be", "-m", "mlp", "-c", "1", "-d", "0")]
    [InlineData("--requests must be", "-m", "mlp", "-c", "1", "-n", "0")]
    [InlineData("takes longer than", "-m", "mlp", "-r", "1", "-n", "100000")]
    [InlineData("the most a step may send", "-m", "mlp", "-r", "40000", "-d", "5m")]
    [InlineData("--timeout must be", "-m", "mlp", "-c", "1", "--timeout", "1h")]
    [InlineData("--max-in-flight must be", "-m", "mlp", "-r", "10", "--max-in-flight", "0")]
    [InlineData("--batch-size must be", "-m", "mlp", "-c", "1", "-b", "0")]
    [InlineData("a run may take at most", "-m", "mlp", "-c", "1,2,4,8", "-d", "9m")]
    [InlineData("is not a file", "-m", "mlp", "-c", "1", "--payload", "/nonexistent/request.json")]
    public void Read_UnboundedOrContradictoryLoad_IsRefusedWithTheReason(string expected, params string[] args)
    {
        var (options, problems) = Read(args);

        Assert.Null(options);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_SeveralProblems_ReportsEachOne()
    {
        var (_, problems) = Read("-m", "mlp", "-c", "0", "--url", "http://10.1.1.1", "-b", "0", "--timeout", "x");

        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public void Read_ProtocolGrpc_TakesTheGrpcAddress()
    {
        var (options, problems) = Read("-m", "mlp", "-c", "1", "--protocol", "grpc", "--grpc-url", "http://127.0.0.1:9001");

        Assert.Empty(problems);
        Assert.Equal(LoadProtocol.Grpc, options!.Protocol);
        Assert.Equal(new Uri("http://127.0.0.1:9001/"), options.GrpcUrl);
    }

    [Fact]
    public void Read_DefaultProtocol_IsHttp()
    {
        var (options, _) = Read("-m", "mlp", "-c", "1");

        Assert.Equal(LoadProtocol.Http, options!.Protocol);
        Assert.Equal(new Uri("http://127.0.0.1:8001/"), options.GrpcUrl);
    }

    [Theory]
    [InlineData("--protocol", "soap", "--protocol must be http or grpc, not \"soap\".")]
    [InlineData("--grpc-url", "http://10.0.0.1:8001", "--grpc-url host \"10.0.0.1\" is not this machine")]
    public void Read_BadProtocolOrRemoteGrpcAddress_IsAProblem(string option, string value, string problem)
    {
        var (options, problems) = Read("-m", "mlp", "-c", "1", option, value);

        Assert.Null(options);
        Assert.Contains(problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_Binary_IsForHttpOnly()
    {
        var (http, httpProblems) = Read("-m", "mlp", "-c", "1", "--binary");
        var (grpc, grpcProblems) = Read("-m", "mlp", "-c", "1", "--binary", "--protocol", "grpc");

        Assert.Empty(httpProblems);
        Assert.True(http!.Binary);
        Assert.Null(grpc);
        Assert.Contains("--binary is for --protocol http: gRPC always sends raw tensors.", grpcProblems);
    }

    [Fact]
    public void Read_GrpcConnections_IsOneByDefaultAndOneTo64()
    {
        var (defaults, _) = Read("-m", "mlp", "-c", "1", "--protocol", "grpc");
        var (four, fourProblems) = Read("-m", "mlp", "-c", "1", "--protocol", "grpc", "--grpc-connections", "4");
        var (none, noneProblems) = Read("-m", "mlp", "-c", "1", "--protocol", "grpc", "--grpc-connections", "0");

        Assert.Equal(1, defaults!.GrpcConnections);
        Assert.Empty(fourProblems);
        Assert.Equal(4, four!.GrpcConnections);
        Assert.Null(none);
        Assert.Contains("--grpc-connections must be 1 to 64.", noneProblems);
    }
}
