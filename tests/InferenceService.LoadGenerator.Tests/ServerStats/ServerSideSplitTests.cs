using System.Text;
using InferenceService.LoadGenerator.ServerStats;

namespace InferenceService.LoadGenerator.Tests.ServerStats;

public class ServerSideSplitTests
{
    /// <summary>Triton's statistics extension answer, with counters scaled by <paramref name="n"/> (0 gives all zeros).</summary>
    internal static string TritonStats(long n, long batches32 = 0) => $$$"""
        {"model_stats":[{"name":"mlp","version":"1","last_inference":0,
          "inference_count":{{{32 * n}}},"execution_count":{{{n}}},
          "inference_stats":{
            "success":{"count":{{{32 * n}}},"ns":{{{32 * n * 5_000_000}}}},
            "fail":{"count":0,"ns":0},
            "queue":{"count":{{{32 * n}}},"ns":{{{32 * n * 2_000_000}}}},
            "compute_input":{"count":{{{32 * n}}},"ns":{{{32 * n * 100_000}}}},
            "compute_infer":{"count":{{{32 * n}}},"ns":{{{32 * n * 1_000_000}}}},
            "compute_output":{"count":{{{32 * n}}},"ns":{{{32 * n * 400_000}}}}},
          "batch_stats":[{"batch_size":32,"compute_input":{"count":{{{batches32}}},"ns":1},
                          "compute_infer":{"count":{{{batches32}}},"ns":{{{batches32 * 1_000_000}}}},
                          "compute_output":{"count":{{{batches32}}},"ns":1}}]}]}
        """;

    private static ModelStatsSnapshot Parse(string json) => ModelStatsSnapshot.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Between_TwoSnapshots_GivesPerRequestQueueAndComputeAndRowsPerRun()
    {
        var split = ServerSideSplit.Between(Parse(TritonStats(10, batches32: 10)), Parse(TritonStats(110, batches32: 110)));

        Assert.True(split.Available);
        Assert.Equal(3200, split.Rows);
        Assert.Equal(100, split.Executions);
        Assert.Equal(32, split.RowsPerExecution);
        Assert.Equal(3200, split.Succeeded);
        Assert.Equal(0, split.Failed);
        Assert.Equal(2.0, split.QueueMs);
        Assert.Equal(1.5, split.ComputeMs);
        Assert.Equal(1.0, split.ComputeInferMs);
        Assert.Equal(new Dictionary<long, long> { [32] = 100 }, split.ExecutionsByBatchSize);
    }

    [Fact]
    public void Between_NothingHappened_HasNoMeans()
    {
        var split = ServerSideSplit.Between(Parse(TritonStats(5)), Parse(TritonStats(5)));

        Assert.Equal(0, split.Rows);
        Assert.Null(split.RowsPerExecution);
        Assert.Null(split.QueueMs);
        Assert.Null(split.ComputeMs);
        Assert.Empty(split.ExecutionsByBatchSize);
    }

    [Fact]
    public void Parse_SeveralVersions_SumsThem()
    {
        var snapshot = Parse("""
            {"model_stats":[
              {"name":"m","version":"1","inference_count":3,"execution_count":1,"inference_stats":{"queue":{"count":3,"ns":30}}},
              {"name":"m","version":"2","inference_count":"4","execution_count":2,"inference_stats":{"queue":{"count":4,"ns":40}}}]}
            """);

        Assert.Equal(7, snapshot.InferenceCount);
        Assert.Equal(3, snapshot.ExecutionCount);
        Assert.Equal(new StatsDuration(7, 70), snapshot.Queue);
    }

    [Theory]
    [InlineData("""{"error":"not found"}""")]
    [InlineData("""{"model_stats":[{"inference_stats":{"queue":{"count":"x"}}}]}""")]
    [InlineData("[]")]
    public void Parse_NotTheExtensionsShape_Throws(string json) => Assert.Throws<FormatException>(() => Parse(json));
}
