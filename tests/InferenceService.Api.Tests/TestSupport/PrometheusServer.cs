using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>The answer of one Prometheus API call: its status, its <c>data</c> (when it succeeded) and its error.</summary>
public sealed record PrometheusAnswer(string Status, JsonElement Data, string? Error)
{
    public bool Succeeded => Status == "success";

    /// <summary>
    /// The values of a query answer, one per series (a scalar or string answer gives one): empty when no series
    /// matched. Values are Prometheus's strings ("NaN", "+Inf" included).
    /// </summary>
    public IReadOnlyList<string> Values()
    {
        if (!Succeeded)
        {
            return [];
        }
        var result = Data.GetProperty("result");
        return Data.GetProperty("resultType").GetString() switch
        {
            "vector" => result.EnumerateArray().Select(s => s.GetProperty("value")[1].GetString()!).ToArray(),
            "matrix" => result.EnumerateArray().SelectMany(s => s.GetProperty("values").EnumerateArray()).Select(v => v[1].GetString()!).ToArray(),
            _ => [result[1].GetString()!],
        };
    }

    /// <summary>The answer in short, for failure messages: the error, or the first few series.</summary>
    public override string ToString()
    {
        if (!Succeeded)
        {
            return $"{Status}: {Error}";
        }
        var text = Data.GetRawText();
        return text.Length <= 600 ? text : text[..600] + "…";
    }
}

/// <summary>
/// Debian's <c>prometheus</c> binary (found on PATH) as a process of the test: listening on a free loopback port, with
/// its storage in a temporary folder and the configuration it is given, and its HTTP API. Killed on dispose, and its
/// folder deleted. Without the binary, <see cref="Start"/> fails saying how to install it.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    /// <summary>How often the waits below ask Prometheus again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private const string InstallHint =
        "The Grafana dashboard test runs a real Prometheus: install Debian's package (`apt-get install prometheus`, " +
        "which `bash .ci/install-prometheus` does when it is missing; `bash .ci/run` calls it before the tests), or put a " +
        "prometheus binary on PATH.";

    private readonly Process _process;
    private readonly string _folder;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _client;

    private PrometheusServer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        _client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri BaseAddress { get; }

    /// <summary>Everything the process wrote so far, for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// The binary on PATH, or null. Tests call <see cref="RequireBinary"/>, which fails with how to install it: a
    /// dashboard test that skipped itself where Prometheus is missing would pass without checking anything.
    /// </summary>
    public static string? FindBinary() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "prometheus"))
            .FirstOrDefault(File.Exists);

    /// <summary>The binary on PATH; fails, saying how to install it, when there is none.</summary>
    public static string RequireBinary()
    {
        var binary = FindBinary();
        Assert.True(binary is not null, $"No prometheus binary on PATH. {InstallHint}");
        return binary!;
    }

    /// <summary>Starts Prometheus with <paramref name="configuration"/> as its prometheus.yml; wait for it with <see cref="WaitUntilReadyAsync"/>.</summary>
    public static PrometheusServer Start(string configuration)
    {
        var binary = RequireBinary();
        var folder = Directory.CreateTempSubdirectory("inferenceservice-prometheus-").FullName;
        var config = Path.Combine(folder, "prometheus.yml");
        File.WriteAllText(config, configuration);
        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo(binary,
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(folder, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        ])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var server = new PrometheusServer(new Process { StartInfo = start }, folder, port);
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        try
        {
            Assert.True(server._process.Start(), $"{binary} did not start.");
        }
        catch (Win32Exception e)
        {
            Directory.Delete(folder, recursive: true);
            Assert.Fail($"{binary} could not be started ({e.Message}). {InstallHint}");
        }
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        return server;
    }

    /// <summary>The first line of <c>prometheus --version</c>, for the test's output.</summary>
    public static string Version()
    {
        using var process = Process.Start(new ProcessStartInfo(RequireBinary(), ["--version"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        // Depending on the version, it goes to standard output or to standard error.
        var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return text.Split('\n').FirstOrDefault()?.Trim() ?? "";
    }

    /// <summary>Polls <c>/-/ready</c> until Prometheus answers 200; fails with its output if it exits first.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var last = "no answer";
        await PollAsync(timeout, async () =>
        {
            try
            {
                using var response = await _client.GetAsync("/-/ready");
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
                return false;
            }
            catch (TaskCanceledException)
            {
                last = "timed out";
                return false;
            }
        }, () => $"Prometheus at {BaseAddress} was not ready (last: {last}).");
    }

    /// <summary>
    /// Polls <c>/api/v1/targets</c> until every job of <paramref name="jobs"/> has a target whose health is "up";
    /// fails naming each job's health and last scrape error.
    /// </summary>
    public async Task WaitUntilTargetsUpAsync(IReadOnlyCollection<string> jobs, TimeSpan timeout)
    {
        var last = "no answer";
        await PollAsync(timeout, async () =>
        {
            var answer = await GetAsync("/api/v1/targets?state=active");
            if (!answer.Succeeded)
            {
                last = answer.ToString();
                return false;
            }
            var targets = answer.Data.GetProperty("activeTargets").EnumerateArray()
                .Select(t => (
                    Job: t.GetProperty("labels").GetProperty("job").GetString()!,
                    Url: t.GetProperty("scrapeUrl").GetString(),
                    Health: t.GetProperty("health").GetString(),
                    Error: t.GetProperty("lastError").GetString()))
                .ToArray();
            last = string.Join("; ", targets.Select(t => $"{t.Job} {t.Url}: {t.Health}{(string.IsNullOrEmpty(t.Error) ? "" : $" ({t.Error})")}"));
            return jobs.All(job => targets.Any(t => t.Job == job && t.Health == "up"));
        }, () => $"Prometheus's targets were not all up: {last}");
    }

    /// <summary>Polls an instant query until its first value reaches <paramref name="minimum"/>.</summary>
    public async Task WaitForValueAsync(string query, double minimum, TimeSpan timeout)
    {
        var last = "";
        await PollAsync(timeout, async () =>
        {
            var answer = await QueryAsync(query);
            last = answer.ToString();
            return answer.Values() is [var value, ..]
                && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && number >= minimum;
        }, () => $"\"{query}\" did not reach {minimum.ToString(CultureInfo.InvariantCulture)}; the last answer was {last}");
    }

    /// <summary>An instant query, <c>GET /api/v1/query</c>, evaluated now.</summary>
    public Task<PrometheusAnswer> QueryAsync(string query) =>
        GetAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}");

    /// <summary>A label's values, <c>GET /api/v1/label/{label}/values</c>, over the series <paramref name="match"/> selects (all when null).</summary>
    public Task<PrometheusAnswer> LabelValuesAsync(string label, string? match) =>
        GetAsync($"/api/v1/label/{Uri.EscapeDataString(label)}/values{(string.IsNullOrEmpty(match) ? "" : $"?match[]={Uri.EscapeDataString(match)}")}");

    /// <summary>A GET of the API; an answer that is not the API's JSON envelope is described as an error.</summary>
    public async Task<PrometheusAnswer> GetAsync(string pathAndQuery)
    {
        try
        {
            using var response = await _client.GetAsync(pathAndQuery);
            var text = await response.Content.ReadAsStringAsync();
            try
            {
                using var document = JsonDocument.Parse(text);
                var root = document.RootElement;
                return new PrometheusAnswer(
                    root.GetProperty("status").GetString()!,
                    root.TryGetProperty("data", out var data) ? data.Clone() : default,
                    root.TryGetProperty("error", out var error) ? $"{(root.TryGetProperty("errorType", out var type) ? type.GetString() + ": " : "")}{error.GetString()}" : null);
            }
            catch (JsonException)
            {
                return new PrometheusAnswer("error", default, $"HTTP {(int)response.StatusCode}: {text}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Assert.False(_process.HasExited, $"Prometheus exited with code {_process.ExitCode}. Output:\n{Output}");
            return new PrometheusAnswer("error", default, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file Prometheus still held open; the temporary folder is cleaned with the machine.
        }
    }

    private async Task PollAsync(TimeSpan timeout, Func<Task<bool>> done, Func<string> describe)
    {
        var clock = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.False(_process.HasExited, $"Prometheus exited with code {(_process.HasExited ? _process.ExitCode : 0)}. Output:\n{Output}");
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"After {timeout.TotalSeconds:F0} s, {describe()}\nPrometheus's output:\n{Tail(Output, 40)}");
            }
            await Task.Delay(PollInterval);
        }
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));


    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
