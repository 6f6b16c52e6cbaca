using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>The iris sample and the string identity model, every event the service logs captured, at every level.</summary>
public sealed class LoggedServiceFixture : ServiceFixture
{
    public LogCapture Logs { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        // The plain form overrides appsettings.json's "Default" (Serilog's rule when both are given).
        ["Serilog:MinimumLevel"] = "Verbose",
        ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Verbose",
    };

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository
        .AddSampleModel("iris")
        .AddModel("identity_string", "identity_string.onnx");

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILogEventSink>(Logs);
}

/// <summary>The request log: one event per request with its fields, and never a payload or a credential.</summary>
public class RequestLogTests(LoggedServiceFixture service) : IClassFixture<LoggedServiceFixture>
{
    private readonly HttpClient _client = service.Client;
    private readonly LogCapture _logs = service.Logs;

    [Fact]
    public async Task Predict_Succeeds_LogsOneEventWithEveryRequestField()
    {
        var traceId = NewTraceId();
        using var request = Post("/predict", """{ "model": "iris", "id": "log-ok-1", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] } }""", traceId);
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var logged = Assert.Single(await _logs.RequestEventsAsync(e => LogCapture.Scalar(e, "PredictionId") as string == "log-ok-1"));

        Assert.Equal(LogEventLevel.Information, logged.Level);
        Assert.Equal("POST", LogCapture.Scalar(logged, "Method"));
        Assert.Equal("/predict", LogCapture.Scalar(logged, "Route"));
        Assert.Equal("iris", LogCapture.Scalar(logged, "Model"));
        Assert.Equal("2", LogCapture.Scalar(logged, "Version"));
        Assert.Equal(200, LogCapture.Scalar(logged, "StatusCode"));
        Assert.Equal("success", LogCapture.Scalar(logged, "Outcome"));
        Assert.True((double)LogCapture.Scalar(logged, "ElapsedMs")! > 0);
        Assert.True((double)LogCapture.Scalar(logged, "QueueMs")! >= 0);
        Assert.True((double)LogCapture.Scalar(logged, "ComputeMs")! > 0);
        Assert.Equal(1, LogCapture.Scalar(logged, "BatchSize"));
        Assert.Equal(traceId, LogCapture.Scalar(logged, "TraceId"));
        Assert.False(string.IsNullOrEmpty(LogCapture.Scalar(logged, "RequestId") as string));
        Assert.Equal(Assert.Single(response.Headers.GetValues("X-Prediction-Id")), LogCapture.Scalar(logged, "PredictionId"));
    }

    [Fact]
    public async Task Infer_UnknownVersion_LogsClientErrorAsWarningWithoutStageTimes()
    {
        var traceId = NewTraceId();
        using var request = Post("/v2/models/iris/versions/7/infer", """{ "inputs": [] }""", traceId);
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var logged = Assert.Single(await _logs.RequestEventsAsync(e => LogCapture.Scalar(e, "TraceId") as string == traceId));

        Assert.Equal(LogEventLevel.Warning, logged.Level);
        Assert.Equal("/v2/models/{model}/versions/{version}/infer", LogCapture.Scalar(logged, "Route"));
        Assert.Equal("iris", LogCapture.Scalar(logged, "Model"));
        Assert.Null(LogCapture.Scalar(logged, "Version"));
        Assert.Equal(404, LogCapture.Scalar(logged, "StatusCode"));
        Assert.Equal("client_error", LogCapture.Scalar(logged, "Outcome"));
        Assert.Null(LogCapture.Scalar(logged, "QueueMs"));
        Assert.Null(LogCapture.Scalar(logged, "BatchSize"));
    }

    [Fact]
    public async Task Predict_LongClientChosenModelName_IsCutInTheLog()
    {
        var traceId = NewTraceId();
        var model = new string('m', 300);
        using var response = await _client.SendAsync(Post("/predict", $$"""{ "model": "{{model}}", "inputs": { "input": [[1, 2, 3, 4]] } }""", traceId));
        // Longer than a model name may be (255): refused as a bad name, and still logged cut.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        var logged = Assert.Single(await _logs.RequestEventsAsync(e => LogCapture.Scalar(e, "TraceId") as string == traceId));

        Assert.Equal(new string('m', InferenceService.Telemetry.RequestLogging.MaxClientTextLength) + "…", LogCapture.Scalar(logged, "Model"));
    }

    [Fact]
    public async Task Metadata_Requested_LogsTheRequestWithoutInferenceFields()
    {
        var traceId = NewTraceId();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/models/iris");
        request.Headers.Add("traceparent", $"00-{traceId}-{NewSpanId()}-01");
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var logged = Assert.Single(await _logs.RequestEventsAsync(e => LogCapture.Scalar(e, "TraceId") as string == traceId));

        Assert.Equal("/v2/models/{model}", LogCapture.Scalar(logged, "Route"));
        Assert.Equal(200, LogCapture.Scalar(logged, "StatusCode"));
        Assert.Equal("success", LogCapture.Scalar(logged, "Outcome"));
        Assert.False(logged.Properties.ContainsKey("Model"));
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/v2/health/ready")]
    [InlineData("/metrics")]
    public async Task ProbeOrScrape_Succeeds_LogsItAtDebug(string path)
    {
        var traceId = NewTraceId();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", $"00-{traceId}-{NewSpanId()}-01");
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var logged = Assert.Single(await _logs.RequestEventsAsync(e => LogCapture.Scalar(e, "TraceId") as string == traceId));

        Assert.Equal(LogEventLevel.Debug, logged.Level);
        Assert.Equal(path, LogCapture.Scalar(logged, "Route"));
        Assert.Equal("success", LogCapture.Scalar(logged, "Outcome"));
    }

    [Fact]
    public async Task Scrape_NotAGet_IsAClientErrorLoggedAsWarning()
    {
        var traceId = NewTraceId();
        using var response = await _client.SendAsync(Post("/metrics", "{}", traceId));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);

        var logged = Assert.Single(await _logs.RequestEventsAsync(e => LogCapture.Scalar(e, "TraceId") as string == traceId));

        Assert.Equal(LogEventLevel.Warning, logged.Level);
        Assert.Equal(405, LogCapture.Scalar(logged, "StatusCode"));
    }

    [Fact]
    public async Task Requests_CarryPayloadAndCredentials_NoneOfThemIsLoggedAtAnyLevel()
    {
        const string Payload = "payload-7f3a9c51e2";
        const string Token = "token-5d2b8e0a41";
        const string ApiKey = "apikey-93c1d7e6b0";
        var traceId = NewTraceId();
        var bodies = new (string Path, string Body)[]
        {
            ("/predict", $$"""{ "model": "identity_string", "inputs": { "x": [["{{Payload}}", "b", "c"]] } }"""),
            ("/v2/models/identity_string/infer", $$"""{ "inputs": [{ "name": "x", "datatype": "BYTES", "shape": [1, 3], "data": ["{{Payload}}", "b", "c"] }] }"""),
            ("/predict", $$"""{ "model": "iris", "inputs": { "input": [["{{Payload}}", 1, 2, 3]] } }"""), // a 400
            ("/predict", $$"""{ "model": "iris", "inputs": { "input": [[1, 2, 3, 4]] }, "{{Payload}}": 1 }"""),
        };
        foreach (var (path, body) in bodies)
        {
            using var request = Post(path, body, traceId);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            request.Headers.Add("X-Api-Key", ApiKey);
            request.Headers.Add("Cookie", $"session={Token}");
            using var response = await _client.SendAsync(request);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode}");
        }

        var logged = await _logs.RequestEventsAsync(e => LogCapture.Scalar(e, "TraceId") as string == traceId, bodies.Length);
        Assert.Equal(bodies.Length, logged.Count);
        Assert.Contains(_logs.Events, e => e.Level == LogEventLevel.Verbose); // the capture sees every level
        var everything = _logs.AsJsonLines();
        Assert.Contains(traceId, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Payload, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestEvent_AsJsonLine_IsOneObjectWithTheFieldsByName()
    {
        var traceId = NewTraceId();
        using var request = Post("/predict", """{ "model": "iris", "id": "log-json-1", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""", traceId);
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var logged = Assert.Single(await _logs.RequestEventsAsync(e => LogCapture.Scalar(e, "TraceId") as string == traceId));

        using var line = new StringWriter(CultureInfo.InvariantCulture);
        InferenceService.Telemetry.LogFormats.For(InferenceService.Telemetry.LogFormats.Json).Format(logged, line);
        var text = line.ToString();

        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text[..^1]);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal("Information", root.GetProperty("level").GetString());
        Assert.Equal(LogCapture.RequestLogCategory, root.GetProperty("category").GetString());
        Assert.StartsWith("HTTP POST /predict answered 200 (success) in ", root.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("iris", root.GetProperty("Model").GetString());
        Assert.Equal(traceId, root.GetProperty("TraceId").GetString());
        Assert.Equal("log-json-1", root.GetProperty("PredictionId").GetString());
        Assert.Equal(200, root.GetProperty("StatusCode").GetInt32());
        Assert.Equal(1, root.GetProperty("BatchSize").GetInt32());
        Assert.True(root.GetProperty("ElapsedMs").GetDouble() > 0);
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("timestamp").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
    }

    [Fact]
    public async Task EventsLoggedWhileServingARequest_AsJsonLines_CarryItsTraceId()
    {
        var traceId = NewTraceId();
        using var response = await _client.SendAsync(Post("/predict", """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""", traceId));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await _logs.RequestEventsAsync(e => LogCapture.Scalar(e, "TraceId") as string == traceId);

        // ASP.NET Core's own events of the request ("Request starting", "Executing endpoint", ...), captured at every level.
        var aspNetCore = _logs.Events
            .Where(e => LogCapture.Scalar(e, "SourceContext") is string category && category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal))
            .Where(e => e.TraceId?.ToHexString() == traceId)
            .ToArray();
        Assert.NotEmpty(aspNetCore);
        foreach (var logEvent in aspNetCore)
        {
            using var line = new StringWriter(CultureInfo.InvariantCulture);
            InferenceService.Telemetry.LogFormats.For(InferenceService.Telemetry.LogFormats.Json).Format(logEvent, line);
            using var json = JsonDocument.Parse(line.ToString());
            Assert.Equal(traceId, json.RootElement.GetProperty("TraceId").GetString());
            Assert.Equal(16, json.RootElement.GetProperty("SpanId").GetString()!.Length);
        }
    }

    private static HttpRequestMessage Post(string path, string json, string traceId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("traceparent", $"00-{traceId}-{NewSpanId()}-01");
        return request;
    }

    private static string NewTraceId() => System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString();

    private static string NewSpanId() => System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString();
}
