using System.Net;
using System.Text;

namespace InferenceService.LoadGenerator.Tests.TestSupport;

/// <summary>
/// An in-memory stand-in for the server, behind the HttpClient: the runner's requests never reach a socket. Answers
/// readiness, metadata of an [N, 4] FP32 model, the statistics extension and a Prometheus endpoint (or 404), and infer
/// requests as <see cref="Infer"/> decides.
/// </summary>
internal sealed class FakeServer : HttpMessageHandler
{
    private long _inferCount;
    private readonly List<string> _inferBodies = [];

    /// <summary>What an infer request gets, from its 1-based sequence number: an answer, or an exception for a transport error.</summary>
    public Func<long, HttpResponseMessage> Infer { get; init; } = _ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"outputs\":[]}") };

    /// <summary>What an infer request gets from the request's path (the model it names); when set, used instead of <see cref="Infer"/>.</summary>
    public Func<string, HttpResponseMessage>? InferAt { get; init; }

    /// <summary>Awaited before each infer answer: lets a test hold answers back without blocking a thread.</summary>
    public Func<Task>? Hold { get; init; }

    /// <summary>Serve the statistics extension (counting one row and one run per infer request) instead of 404.</summary>
    public bool ServesStatistics { get; init; }

    /// <summary>
    /// Serve a Prometheus exposition at <c>/metrics</c> whose request-duration histogram puts every infer request in the
    /// bucket up to 1 ms (and a health route's requests beside it), instead of 404.
    /// </summary>
    public bool ServesMetrics { get; init; }

    public long InferCount => Interlocked.Read(ref _inferCount);

    public IReadOnlyList<string> InferBodies
    {
        get
        {
            lock (_inferBodies)
            {
                return [.. _inferBodies];
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (request.Method == HttpMethod.Post && path.EndsWith("/infer", StringComparison.Ordinal))
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            lock (_inferBodies)
            {
                _inferBodies.Add(body);
            }
            var n = Interlocked.Increment(ref _inferCount);
            if (Hold is not null)
            {
                await Hold().WaitAsync(cancellationToken);
            }
            return InferAt is not null ? InferAt(path) : Infer(n);
        }
        if (path.EndsWith("/ready", StringComparison.Ordinal))
        {
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
        if (path == "/metrics")
        {
            var exposition = ServerStats.LatencyHistogramTests.Exposition(("/v2/models/{model}/infer", [0, InferCount, InferCount, InferCount]), ("/v2/health/ready", [7, 7, 7, 7]));
            return ServesMetrics ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(exposition) } : new HttpResponseMessage(HttpStatusCode.NotFound);
        }
        if (path.EndsWith("/stats", StringComparison.Ordinal))
        {
            return ServesStatistics
                ? Json(ServerStats.ServerSideSplitTests.TritonStats(InferCount / 32, InferCount / 32))
                : new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("{\"error\":\"no such route\"}") };
        }
        return Json("""{"name":"mlp","versions":["1"],"platform":"onnx_onnxv1","inputs":[{"name":"x","datatype":"FP32","shape":[-1,4]}],"outputs":[]}""");
    }

    private static HttpResponseMessage Json(string json) => new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
