using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Hosting;

/// <summary>
/// The built service as its own process, as it is deployed: <c>dotnet InferenceService.dll --urls …</c> serving the
/// source tree's models/, called over real HTTP.
/// </summary>
public class ServiceProcessTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ServiceProcess_ServingSampleModels_AnswersPredictAndInferOverHttp()
    {
        var binaries = Path.Combine(TestPaths.RepositoryRoot, "src", "InferenceService", "bin", Configuration, "net10.0");
        var dll = Path.Combine(binaries, "InferenceService.dll");
        Assert.True(File.Exists(dll), $"The service is not built at {dll}.");
        var port = FreePort();
        var start = new ProcessStartInfo(DotnetHost(), [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = binaries,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ModelRepository__Path"] = TestPaths.SampleModels;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            await WaitUntilReadyAsync(client, process, output);

            using var predict = await client.PostJsonTextAsync("/predict", """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] } }""");
            var predicted = await ReadJsonAsync(predict, output);
            Assert.Equal("iris", predicted.GetProperty("model").GetString());
            Assert.Equal("2", predicted.GetProperty("version").GetString());
            JsonCompare.Equal("""["setosa", "virginica"]""", predicted.GetProperty("labels").GetProperty("label"));
            JsonCompare.Equal("[0, 2]", predicted.GetProperty("outputs").GetProperty("label"));
            Assert.Equal(predicted.GetProperty("id").GetString(), Assert.Single(predict.Headers.GetValues("X-Prediction-Id")));

            using var infer = await client.PostJsonTextAsync("/v2/models/iris/infer", """
                { "id": "process-test", "inputs": [{ "name": "input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2] }], "outputs": [{ "name": "label" }] }
                """);
            var inferred = await ReadJsonAsync(infer, output);
            JsonCompare.Equal("""
                {
                  "model_name": "iris",
                  "model_version": "2",
                  "id": "process-test",
                  "outputs": [{ "name": "label", "datatype": "INT64", "shape": [1], "data": [0] }]
                }
                """, inferred);

            using var notFound = await client.PostJsonTextAsync("/v2/models/nope/infer", "{}");
            await ResponseAssert.ProtocolErrorAsync(notFound, HttpStatusCode.NotFound, "Model 'nope' is not in the repository.");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        }
    }

    private static async Task WaitUntilReadyAsync(HttpClient client, Process process, StringBuilder output)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (clock.Elapsed < s_timeout)
        {
            Assert.False(process.HasExited, $"The service exited with code {(process.HasExited ? process.ExitCode : 0)} before it was ready. Output:\n{Text(output)}");
            try
            {
                using var response = await client.GetAsync("/v2/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
                last = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timed out";
            }
            await Task.Delay(50);
        }
        Assert.Fail($"The service was not ready after {s_timeout.TotalSeconds:F0} s (last: {last}). Output:\n{Text(output)}");
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, StringBuilder output)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}\nOutput:\n{Text(output)}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>The dotnet host running the tests (set by the test runner), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
