using InferenceService.LoadGenerator.Reporting;
using InferenceService.LoadGenerator.ServerStats;
using static InferenceService.LoadGenerator.Tests.TestSupport.Results;

namespace InferenceService.LoadGenerator.Tests.Reporting;

public class ResultsJsonTests
{
    [Fact]
    public async Task WriteAsync_ThenRead_GivesTheSameFiguresInSnakeCase()
    {
        var step = Step("c=32", 1234.5, 7.25) with
        {
            Rejected = Latency(1.5, 10),
            TransportErrors = new Dictionary<string, long> { ["timeout"] = 2 },
            Server = new ServerSideSplit { Available = true, QueueMs = 0.5, ExecutionsByBatchSize = new Dictionary<long, long> { [16] = 3 } },
        };
        var path = Path.GetTempFileName();
        try
        {
            await ResultsJson.WriteAsync(Run(step), path, CancellationToken.None);
            var text = await File.ReadAllTextAsync(path);
            var back = ResultsJson.Read(path);

            Assert.Contains("\"requests_per_second\": 1234.5", text, StringComparison.Ordinal);
            var read = Assert.Single(back.Steps);
            Assert.Equal(1234.5, read.RequestsPerSecond);
            Assert.Equal(7.25, read.Admitted!.P99Ms);
            Assert.Equal(1.5, read.Rejected!.P99Ms);
            Assert.Equal(1000, read.StatusCounts[200]);
            Assert.Equal(2, read.TransportErrors["timeout"]);
            Assert.Equal(0.5, read.Server.QueueMs);
            Assert.Equal(3, read.Server.ExecutionsByBatchSize[16]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_NotAResultsFile_ThrowsFormatException()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "{\"steps\": []}");

            Assert.Throws<FormatException>(() => ResultsJson.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
