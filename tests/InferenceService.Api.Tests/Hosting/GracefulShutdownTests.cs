using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Hosting;

/// <summary>
/// SIGTERM to the real process. Readiness stops answering 200 at once while liveness stays 200; for
/// <c>Server:DrainDelaySeconds</c> the listener keeps answering (new requests 503 with Retry-After, each answer closing
/// its connection) while admitted requests finish; then idle connections are closed cleanly and the process exits 0
/// within its shutdown timeout. Under keep-alive load, every request gets an HTTP answer: none is reset.
/// </summary>
public sealed class GracefulShutdownTests
{
    private const int Requests = 12;

    // slow.onnx runs 400 chained [n, n] matrix products (cost grows as n³): at n = 160 a Run takes a few hundred
    // milliseconds here, so the requests (one instance, one at a time) keep the queue busy for seconds after the
    // signal, however fast the machine answers the statistics poll that decides when to send it.
    private const int N = 160;

    // Under load, a Run at n = 16 takes a few milliseconds: 16 callers keep about 15 admitted requests queued at any time.
    private const int LoadN = 16;
    private const int Callers = 16;
    private const int MaxRequestsPerCaller = 2000;
    private const string DrainDelaySeconds = "3";
    private const string ShutdownTimeoutSeconds = "20";

    private static readonly TimeSpan s_loadDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sigterm_WithRequestsQueued_FinishesEveryAdmittedRequestThenExits()
    {
        using var repository = new ModelRepositoryBuilder().AddModel("slow", "slow.onnx");
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = repository.Root,
            ["shutdownTimeoutSeconds"] = "20",
            ["Server__DrainDelaySeconds"] = "0.5",
        });
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient(TimeSpan.FromSeconds(60));
        var body = SlowRequest(N);

        var inFlight = Enumerable.Range(0, Requests).Select(_ => client.PostJsonTextAsync("/v2/models/slow/infer", body)).ToArray();
        await WaitUntilAdmittedAsync(client, inFlight);
        var signalled = Stopwatch.StartNew();
        service.Terminate();

        Assert.True(await ReadinessDropsWithinAsync(service, TimeSpan.FromSeconds(1)), "Readiness still answered 200 a second after SIGTERM.");
        var answers = await Task.WhenAll(inFlight);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(25)))
        {
            await service.Process.WaitForExitAsync(exit.Token);
        }
        Assert.Equal(0, service.Process.ExitCode);
        Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(25), $"The process took {signalled.Elapsed.TotalSeconds:F1} s to exit.");
        Assert.Contains("SIGTERM: draining for 0.5 s", service.Output, StringComparison.Ordinal);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    /// <summary>
    /// 16 callers, each on its own keep-alive HTTP/1.1 connection, loop until an answer closes their connection; SIGTERM
    /// comes mid-load. Every request is answered 200 or 503 (no reset, no end of stream without an answer), the requests
    /// admitted before the signal finish with 200, every 503 carries Retry-After and <c>Connection: close</c>, and every
    /// connection is closed by an answer. A keep-alive connection opened before the signal is still served during the
    /// drain (503, closing), an idle one is closed cleanly (FIN, not RST) once the drain is over, and the process exits
    /// 0 within drain + shutdown timeout.
    /// </summary>
    [Fact]
    public async Task Sigterm_UnderKeepAliveLoad_AnswersEveryRequestAndClosesConnectionsCleanly()
    {
        using var repository = new ModelRepositoryBuilder().AddModel("slow", "slow.onnx");
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = repository.Root,
            ["shutdownTimeoutSeconds"] = ShutdownTimeoutSeconds,
            ["Server__DrainDelaySeconds"] = DrainDelaySeconds,
        });
        await service.WaitUntilReadyAsync();
        using var keptAlive = KeepAliveClient(service, HttpVersion.Version11);
        using (var warm = await keptAlive.GetAsync("/v2/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }
        using var idle = await OpenIdleKeepAliveConnectionAsync(service);

        var load = new KeepAliveLoad(service, HttpVersion.Version11);
        await load.WaitUntilEveryCallerIsAnsweredAsync(times: 5);
        var signalled = Stopwatch.StartNew();
        service.Terminate();
        load.Signalled();

        await AssertReadinessDropsWhileLiveAsync(service);
        var answers = await load.FinishAsync();

        AssertEveryRequestAnswered(answers, service);
        var refused = answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToArray();
        Assert.All(refused, a => Assert.True(a.ConnectionClose && a.RetryAfter is not null, $"A 503 without Connection: close or Retry-After ({a})."));
        Assert.True(answers.Count(a => a.Status == HttpStatusCode.OK && a.AfterSignal) >= 1, $"No admitted request was answered after SIGTERM.\n{Summary(answers)}");
        Assert.All(answers.GroupBy(a => a.Caller), caller => Assert.True(caller.Last().ConnectionClose,
            $"Caller {caller.Key} stopped after {caller.Count()} requests without an answer closing its connection."));

        // A keep-alive connection from before the signal (a client the endpoints update does not move) is still answered.
        using (var late = await keptAlive.PostJsonTextAsync("/v2/models/slow/infer", SlowRequest(LoadN)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, late.StatusCode);
            Assert.NotNull(late.Headers.RetryAfter);
            Assert.True(late.Headers.ConnectionClose, "The 503 on a kept-alive connection did not close it.");
        }
        Assert.False(idle.Poll(0, SelectMode.SelectRead), "An idle keep-alive connection was closed during the drain.");
        Assert.Equal(0, await ReceiveUntilClosedAsync(idle, service));

        await WaitForCleanExitAsync(service, signalled);
        Assert.Contains("SIGTERM: draining for 3 s", service.Output, StringComparison.Ordinal);
        Assert.Contains("Drain over", service.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The same load over HTTP/2 (h2c, prior knowledge), which the plain port speaks only when Kestrel is told to
    /// (<c>Kestrel:EndpointDefaults:Protocols=Http2</c>; its default, HTTP/1.1 and HTTP/2, is HTTP/1.1 alone without
    /// TLS). Connections are closed with GOAWAY, not a header: every stream is answered 200 or 503, none reset.
    /// </summary>
    [Fact]
    public async Task Sigterm_UnderHttp2Load_AnswersEveryStream()
    {
        using var repository = new ModelRepositoryBuilder().AddModel("slow", "slow.onnx");
        await using var service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = repository.Root,
            ["shutdownTimeoutSeconds"] = ShutdownTimeoutSeconds,
            ["Server__DrainDelaySeconds"] = DrainDelaySeconds,
            ["Kestrel__EndpointDefaults__Protocols"] = "Http2",
        });
        using var probe = KeepAliveClient(service, HttpVersion.Version20);
        await ServiceReadiness.WaitUntilReadyAsync(probe);

        var load = new KeepAliveLoad(service, HttpVersion.Version20);
        await load.WaitUntilEveryCallerIsAnsweredAsync(times: 5);
        var signalled = Stopwatch.StartNew();
        service.Terminate();
        load.Signalled();
        var answers = await load.FinishAsync();

        AssertEveryRequestAnswered(answers, service);
        Assert.All(answers, a => Assert.Equal(new Version(2, 0), a.Version));
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable), a => Assert.NotNull(a.RetryAfter));
        Assert.True(answers.Count(a => a.Status == HttpStatusCode.OK && a.AfterSignal) >= 1, $"No admitted request was answered after SIGTERM.\n{Summary(answers)}");
        Assert.All(answers.GroupBy(a => a.Caller), caller => Assert.Equal(HttpStatusCode.ServiceUnavailable, caller.Last().Status));
        await WaitForCleanExitAsync(service, signalled);
    }

    private static string SlowRequest(int n) =>
        $$"""{ "inputs": [{ "name": "x", "datatype": "FP32", "shape": [{{n}}, {{n}}], "data": [{{string.Join(",", Enumerable.Repeat("0.01", n * n))}}] }] }""";

    /// <summary>A client with one connection, kept alive, that speaks <paramref name="version"/> and nothing else.</summary>
    private static HttpClient KeepAliveClient(ServiceProcess service, Version version) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            BaseAddress = service.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

    private static void AssertEveryRequestAnswered(IReadOnlyList<LoadAnswer> answers, ServiceProcess service)
    {
        var failures = answers.Where(a => a.Error is not null).ToArray();
        Assert.True(failures.Length == 0, $"{failures.Length} requests got no HTTP answer:\n{string.Join("\n", failures.Take(10))}\n{Summary(answers)}\nOutput:\n{service.Output}");
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"Unexpected answer {a}."));
        Assert.Contains(answers, a => a.Status == HttpStatusCode.OK && !a.AfterSignal);
    }

    private static string Summary(IReadOnlyList<LoadAnswer> answers) =>
        $"{answers.Count} requests: {answers.Count(a => a.Status == HttpStatusCode.OK && !a.AfterSignal)} 200 before SIGTERM, "
        + $"{answers.Count(a => a.Status == HttpStatusCode.OK && a.AfterSignal)} 200 after, "
        + $"{answers.Count(a => a.Status == HttpStatusCode.ServiceUnavailable)} 503, {answers.Count(a => a.Error is not null)} without an answer.";

    /// <summary>Readiness answers 503 (not merely fails) within a second of SIGTERM, in both forms, while liveness is 200.</summary>
    private static async Task AssertReadinessDropsWhileLiveAsync(ServiceProcess service)
    {
        var clock = Stopwatch.StartNew();
        using var probe = service.CreateClient(TimeSpan.FromSeconds(1));
        while (true)
        {
            using var ready = await probe.GetAsync("/health/ready");
            if (ready.StatusCode != HttpStatusCode.OK)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                break;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), "Readiness still answered 200 a second after SIGTERM.");
            await Task.Delay(10);
        }
        using var v2Ready = await probe.GetAsync("/v2/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, v2Ready.StatusCode);
        using var live = await probe.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var v2Live = await probe.GetAsync("/v2/health/live");
        Assert.Equal(HttpStatusCode.OK, v2Live.StatusCode);
    }

    /// <summary>A raw HTTP/1.1 connection that has had one answer (kept alive) and then sends nothing.</summary>
    private static async Task<Socket> OpenIdleKeepAliveConnectionAsync(ServiceProcess service)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, service.BaseAddress.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1:{service.BaseAddress.Port}\r\n\r\n"));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var count = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.True(count > 0, $"The connection closed before its answer: {received}");
            received.Append(Encoding.ASCII.GetString(buffer, 0, count));
        }
        var head = received.ToString();
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 0", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Connection: close", head, StringComparison.OrdinalIgnoreCase);
        return socket;
    }

    /// <summary>Reads until the server closes: returns 0 for a clean close (FIN); a reset fails the test.</summary>
    private static async Task<int> ReceiveUntilClosedAsync(Socket socket, ServiceProcess service)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(double.Parse(DrainDelaySeconds, System.Globalization.CultureInfo.InvariantCulture) + 15));
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        }
        catch (SocketException e)
        {
            Assert.Fail($"The idle keep-alive connection was not closed cleanly: {e.SocketErrorCode}. Output:\n{service.Output}");
            return -1;
        }
    }

    private static async Task WaitForCleanExitAsync(ServiceProcess service, Stopwatch signalled)
    {
        var limit = TimeSpan.FromSeconds(double.Parse(DrainDelaySeconds, System.Globalization.CultureInfo.InvariantCulture) + double.Parse(ShutdownTimeoutSeconds, System.Globalization.CultureInfo.InvariantCulture));
        using (var exit = new CancellationTokenSource(limit + TimeSpan.FromSeconds(5)))
        {
            await service.Process.WaitForExitAsync(exit.Token);
        }
        Assert.Equal(0, service.Process.ExitCode);
        Assert.True(signalled.Elapsed < limit, $"The process took {signalled.Elapsed.TotalSeconds:F1} s to exit, more than drain + shutdown timeout ({limit.TotalSeconds} s).");
    }

    /// <summary>Waits until the first request has run (so the rest are in the server) and some are still waiting.</summary>
    private static async Task WaitUntilAdmittedAsync(HttpClient client, Task<HttpResponseMessage>[] inFlight)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var stats = await client.GetAsync("/v2/models/slow/stats");
            var text = await stats.Content.ReadAsStringAsync();
            if (text.Contains("\"execution_count\":", StringComparison.Ordinal) && !text.Contains("\"execution_count\":0", StringComparison.Ordinal))
            {
                Assert.Contains(inFlight, t => !t.IsCompleted); // still work left to drain: the test means something
                return;
            }
            await Task.Delay(10);
        }
        Assert.Fail("No request ran within 30 s.");
    }

    /// <summary>True once a fresh readiness probe (a new connection, as a kubelet makes) gets anything but 200, or no answer within its timeout.</summary>
    private static async Task<bool> ReadinessDropsWithinAsync(ServiceProcess service, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            using var probe = service.CreateClient(TimeSpan.FromSeconds(1));
            try
            {
                using var ready = await probe.GetAsync("/health/ready");
                if (ready.StatusCode != HttpStatusCode.OK)
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                return true; // the listener is closed: the probe fails just the same
            }
            catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
            {
                return true; // no answer within the probe's 1 s: a kubelet counts that as a failed probe too
            }
            await Task.Delay(20);
        }
        return false;
    }

    /// <summary>One request of the load: its answer, or what happened instead.</summary>
    private sealed record LoadAnswer(int Caller, HttpStatusCode Status, Version? Version, bool ConnectionClose, TimeSpan? RetryAfter, bool AfterSignal, string? Error);

    /// <summary>
    /// <see cref="Callers"/> closed-loop callers, each with its own keep-alive connection, sending slow.onnx requests
    /// until the server closes the connection with an answer (HTTP/1.1: <c>Connection: close</c>) or refuses them
    /// (503), or <see cref="MaxRequestsPerCaller"/>, or <see cref="s_loadDeadline"/>.
    /// </summary>
    private sealed class KeepAliveLoad
    {
        private readonly List<LoadAnswer>[] _answers = Enumerable.Range(0, Callers).Select(_ => new List<LoadAnswer>()).ToArray();
        private readonly Task[] _callers;
        private readonly string _body = SlowRequest(LoadN);
        private volatile bool _signalled;

        public KeepAliveLoad(ServiceProcess service, Version version)
        {
            _callers = Enumerable.Range(0, Callers).Select(caller => Task.Run(() => RunAsync(service, version, caller))).ToArray();
        }

        /// <summary>Marks the moment SIGTERM was sent: answers received from now on are "after the signal".</summary>
        public void Signalled() => _signalled = true;

        public async Task WaitUntilEveryCallerIsAnsweredAsync(int times)
        {
            var clock = Stopwatch.StartNew();
            while (_answers.Any(a => Count(a) < times))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "The callers were not all answered within 30 s.");
                Assert.DoesNotContain(_callers, c => c.IsCompleted); // a caller that ended before the signal failed
                await Task.Delay(10);
            }
        }

        public async Task<IReadOnlyList<LoadAnswer>> FinishAsync()
        {
            await Task.WhenAll(_callers);
            return _answers.SelectMany(a => a).ToArray();
        }

        private static int Count(List<LoadAnswer> answers)
        {
            lock (answers)
            {
                return answers.Count;
            }
        }

        private async Task RunAsync(ServiceProcess service, Version version, int caller)
        {
            using var client = KeepAliveClient(service, version);
            var answers = _answers[caller];
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < MaxRequestsPerCaller && clock.Elapsed < s_loadDeadline; i++)
            {
                LoadAnswer answer;
                try
                {
                    using var response = await client.PostJsonTextAsync("/v2/models/slow/infer", _body);
                    await response.Content.ReadAsByteArrayAsync();
                    answer = new LoadAnswer(caller, response.StatusCode, response.Version, response.Headers.ConnectionClose == true,
                        response.Headers.RetryAfter?.Delta, _signalled, null);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    answer = new LoadAnswer(caller, 0, null, false, null, _signalled, $"{e.GetType().Name}: {e.Message} {e.InnerException?.Message}");
                }
                lock (answers)
                {
                    answers.Add(answer);
                }
                if (answer.Error is not null || answer.ConnectionClose || answer.Status == HttpStatusCode.ServiceUnavailable)
                {
                    return;
                }
            }
        }
    }
}
