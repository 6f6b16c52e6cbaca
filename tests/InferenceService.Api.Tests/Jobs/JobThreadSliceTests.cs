using System.Globalization;
using System.Net;
using System.Text;
using InferenceService.Api.Tests.TestSupport;
using static InferenceService.Api.Tests.Jobs.JobsTestSupport;

namespace InferenceService.Api.Tests.Jobs;

/// <summary>
/// The server as its own process (alone in it, so no other test's job moves its threads' slices) holds a job mid-way
/// (<c>Jobs:HoldAfterRows</c>) while online requests arrive: meanwhile the threads online requests need (the socket engine's, the model's
/// instance thread) have the short slice and the job's own threads the kernel's default; once the job is cancelled,
/// every thread has the default again. Read from the kernel's account of each thread
/// (<c>/proc/PID/task/TID/sched</c>); custom slices came with Linux 6.12, and on older kernels nothing may change.
/// </summary>
public sealed class JobThreadSliceTests : IDisposable
{
    private const long Short = 100_000;

    private readonly JobsFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Job_WhileOnlineRequestsArrive_OnlineThreadsHaveTheShortSliceAndTheJobsTheDefault()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = TestPaths.SampleModels,
            ["Jobs__Directory"] = _folder.JobsDirectory,
            ["Jobs__HoldAfterRows"] = "20",
            ["Jobs__CheckpointRows"] = "10",
        });
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient();
        await PredictAsync(client); // the socket engine's thread and iris's instance thread exist
        var before = Slices(service.Process.Id);
        var initial = before.Single(t => t.Name == ".NET Sockets").Slice;

        // Online requests all along: the slices are short only while they arrive.
        using var stopOnline = new CancellationTokenSource();
        var online = KeepOnlineAsync(client, stopOnline.Token);
        var id = await SubmitAsync(client, "model=iris&key=id&batch_size=5&output_format=jsonl", IrisCsv(100));
        await service.WaitForLineAsync(l => l.Contains($"Batch job {id} holds after", StringComparison.Ordinal), "the job holding mid-way");
        var during = Slices(service.Process.Id);
        await stopOnline.CancelAsync();
        await online;
        using (var cancel = await client.PostAsync($"/v2/jobs/{id}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }
        Assert.Equal("cancelled", Status(await WaitUntilFinishedAsync(client, id)));
        // The run lets the slices go before the store says cancelled (a running job stays running until its runner ends).
        var after = Slices(service.Process.Id);

        var expected = SupportsCustomSlices ? Short : initial;
        Assert.All(before, t => Assert.Equal(initial, t.Slice));
        var jobThreads = during.Where(t => t.Name == "Batch job").ToList();
        Assert.Equal(2, jobThreads.Count);
        Assert.All(jobThreads, t => Assert.Equal(initial, t.Slice));
        Assert.Equal(expected, during.Single(t => t.Name == ".NET Sockets").Slice);
        Assert.All(during.Where(t => t.Name.StartsWith("iris:", StringComparison.Ordinal)), t => Assert.Equal(expected, t.Slice));
        Assert.Contains(during, t => t.Name.StartsWith("iris:", StringComparison.Ordinal));
        Assert.All(after, t => Assert.Equal(initial, t.Slice));
    }

    private static async Task PredictAsync(HttpClient client)
    {
        using var body = new StringContent("""{"inputs":{"input":[[5.1,3.5,1.4,0.2]]}}""", Encoding.UTF8, "application/json");
        using var answer = await client.PostAsync("/predict/iris", body);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    private static async Task KeepOnlineAsync(HttpClient client, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await PredictAsync(client); // one after another: the server's one-second window stays open
        }
    }

    private static bool SupportsCustomSlices =>
        OperatingSystem.IsLinux() && File.Exists("/proc/self/sched")
        && Version.TryParse(string.Join('.', File.ReadAllText("/proc/sys/kernel/osrelease").Split('.', '-').Take(2)), out var kernel)
        && kernel >= new Version(6, 12);

    /// <summary>Each thread's name and slice (nanoseconds); threads that end while being read are left out.</summary>
    private static List<(string Name, long Slice)> Slices(int process)
    {
        var threads = new List<(string, long)>();
        foreach (var folder in Directory.GetDirectories($"/proc/{process}/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(folder, "comm")).TrimEnd('\n');
                var line = File.ReadLines(Path.Combine(folder, "sched")).First(l => l.StartsWith("se.slice", StringComparison.Ordinal));
                threads.Add((name, long.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }
        return threads;
    }
}
