using System.Diagnostics;
using InferenceService.Api.Tests.TestSupport;
using static InferenceService.Api.Tests.Jobs.JobsTestSupport;

namespace InferenceService.Api.Tests.Jobs;

/// <summary>
/// The crash guarantee, for real: the service as its own process runs a job, holds after writing rows past its last
/// checkpoint (Jobs:HoldAfterRows, so the kill lands mid-job without timing), is killed with SIGKILL, and is started
/// again on the same job directory. The resumed job's output must equal, byte for byte, a run never interrupted.
/// </summary>
public sealed class JobResumeTests : IDisposable
{
    private const int Rows = 400;

    private readonly JobsFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Dictionary<string, string> Environment(bool hold) => new()
    {
        ["ModelRepository__Path"] = TestPaths.SampleModels,
        ["Jobs__Directory"] = _folder.JobsDirectory,
        ["Jobs__CheckpointRows"] = "25",
        ["Jobs__CheckpointIntervalMilliseconds"] = "3600000",
        ["Jobs__BatchesInFlight"] = "1",
        ["Jobs__HoldAfterRows"] = hold ? "137" : "",
    };

    [Theory]
    [InlineData("jsonl")]
    [InlineData("csv")]
    public async Task Resume_AfterKill9MidJob_OutputHoldsEveryRowOnceInOrder(string format)
    {
        var csv = IrisCsv(Rows);
        var query = $"model=iris&key=id&batch_size=10&output_format={format}";
        string id;
        await using (var first = ServiceProcess.Start(Environment(hold: true)))
        {
            await first.WaitUntilReadyAsync();
            using var client = first.CreateClient();
            id = await SubmitAsync(client, query, csv);
            await first.WaitForLineAsync(l => l.Contains($"Batch job {id} holds after", StringComparison.Ordinal), "the job holding mid-way");
            var midway = await GetJobAsync(client, id);
            Assert.Equal("running", Status(midway));
            Assert.InRange(midway.GetProperty("rows").GetProperty("succeeded").GetInt64(), 1, Rows - 1);
            // The output file holds rows past the last checkpoint: the resume must cut them off, not repeat them.
            var written = File.ReadAllText(Path.Combine(_folder.JobsDirectory, "jobs", id, "output." + format));
            Assert.True(written.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > midway.GetProperty("rows").GetProperty("succeeded").GetInt64());

            first.Process.Kill(entireProcessTree: true); // SIGKILL: no shutdown, no final checkpoint
            await first.Process.WaitForExitAsync();
        }

        await using var second = ServiceProcess.Start(Environment(hold: false));
        await second.WaitUntilReadyAsync();
        using var again = second.CreateClient();
        var resumed = await WaitUntilFinishedAsync(again, id);
        Assert.True(Status(resumed) == "succeeded", $"{resumed}\n{second.Output}");
        Assert.Equal((Rows, Rows, 0), (resumed.GetProperty("rows").GetProperty("total").GetInt64(), resumed.GetProperty("rows").GetProperty("succeeded").GetInt64(), resumed.GetProperty("rows").GetProperty("failed").GetInt64()));
        await second.WaitForLineAsync(l => l.Contains("Resuming 1 batch jobs", StringComparison.Ordinal), "the resume logged");

        var reference = await SubmitAsync(again, query, csv);
        Assert.Equal("succeeded", Status(await WaitUntilFinishedAsync(again, reference)));
        var expected = await OutputAsync(again, reference);
        var actual = await OutputAsync(again, id);
        Assert.Equal(expected, actual);
        var lines = actual.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Rows + (format == "csv" ? 1 : 0), lines.Length);
    }
}
