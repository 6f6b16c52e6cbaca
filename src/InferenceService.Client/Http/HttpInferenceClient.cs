using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace InferenceService.Client.Http;

/// <summary>
/// The client over the REST API (<c>/v2/…</c>). Infer requests go with JSON bodies (inputs written flat and row-major
/// with Utf8JsonWriter) or, with <see cref="InferenceClientOptions.BinaryTensorData"/>, in the binary tensor data
/// layout (<see cref="BinaryTensors"/>); either way outputs are read back into the same raw layout the gRPC client gets. HTTP statuses map onto
/// <see cref="InferenceErrorCode"/>; the retry wait comes from Retry-After.
/// </summary>
internal sealed class HttpInferenceClient : IInferenceClient
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json") { CharSet = "utf-8" };
    private static readonly MediaTypeHeaderValue s_octetStream = new("application/octet-stream");

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly InferenceClientOptions _options;

    public HttpInferenceClient(Uri baseAddress, InferenceClientOptions options, HttpClient? httpClient)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        _options = options;
        _ownsHttp = httpClient is null;
        // The client's own limit is the options' timeout, per call: HttpClient's would cut retries short.
        _http = httpClient ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _http.BaseAddress ??= baseAddress;
    }

    public Task<bool> ServerLiveAsync(CancellationToken cancellationToken = default) =>
        StatusAsync("v2/health/live", cancellationToken);

    public Task<bool> ServerReadyAsync(CancellationToken cancellationToken = default) =>
        StatusAsync("v2/health/ready", cancellationToken);

    public Task<bool> ModelReadyAsync(string model, string? version = null, CancellationToken cancellationToken = default) =>
        StatusAsync(ModelPath(model, version) + "/ready", cancellationToken);

    public Task<ServerMetadata> ServerMetadataAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v2", null, root => new ServerMetadata(
            root.GetProperty("name").GetString() ?? "",
            root.GetProperty("version").GetString() ?? "",
            root.TryGetProperty("extensions", out var extensions) ? extensions.EnumerateArray().Select(e => e.GetString() ?? "").ToArray() : []), cancellationToken);

    public Task<ModelMetadata> ModelMetadataAsync(string model, string? version = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, ModelPath(model, version), null, root => new ModelMetadata(
            root.GetProperty("name").GetString() ?? "",
            root.TryGetProperty("versions", out var versions) ? versions.EnumerateArray().Select(v => v.GetString() ?? "").ToArray() : [],
            root.TryGetProperty("platform", out var platform) ? platform.GetString() ?? "" : "",
            Tensors(root.GetProperty("inputs")),
            Tensors(root.GetProperty("outputs"))), cancellationToken);

    public Task<InferResult> InferAsync(InferRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = ModelPath(request.ModelName, request.ModelVersion) + "/infer";
        if (!_options.BinaryTensorData)
        {
            return SendAsync(HttpMethod.Post, path, JsonTensors.WriteRequest(request), JsonTensors.ReadResult, cancellationToken);
        }
        var (body, headerLength) = BinaryTensors.WriteRequest(request);
        var headerLengthText = headerLength.ToString(CultureInfo.InvariantCulture);
        return Retries.RunAsync(_options, async (_, token) =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ReadOnlyMemoryContent(body) };
            message.Content.Headers.ContentType = s_octetStream;
            message.Headers.TryAddWithoutValidation(BinaryTensors.HeaderLengthName, headerLengthText);
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw await ErrorOf(response, token).ConfigureAwait(false);
            }
            return await ReadInferResultAsync(response, path, token).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>An infer answer: binary tensor data when it names its JSON header's length, else all JSON.</summary>
    private static async Task<InferResult> ReadInferResultAsync(HttpResponseMessage response, string path, CancellationToken token)
    {
        try
        {
            if (BinaryTensors.HeaderLengthOf(response) is { } headerLength)
            {
                var body = await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
                return BinaryTensors.ReadResult(body, headerLength);
            }
            await using var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            using var document = await JsonDocument.ParseAsync(stream, default, token).ConfigureAwait(false);
            return JsonTensors.ReadResult(document.RootElement);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or JsonException)
        {
            throw new InferenceClientException(InferenceErrorCode.Internal, $"The server's answer to POST /{path} is not what the protocol says: {e.Message}", e);
        }
    }

    public Task<IReadOnlyList<RepositoryModel>> RepositoryIndexAsync(bool readyOnly = false, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<RepositoryModel>>(HttpMethod.Post, "v2/repository/index", "{}"u8.ToArray(), root => root.EnumerateArray()
            .Select(m => new RepositoryModel(
                m.GetProperty("name").GetString() ?? "",
                m.TryGetProperty("version", out var v) ? v.GetString() ?? "" : "",
                m.TryGetProperty("state", out var s) ? s.GetString() ?? "" : "",
                m.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null))
            .Where(m => !readyOnly || m.State == "READY")
            .ToArray(), cancellationToken);

    public Task<IReadOnlyList<ModelStatistics>> ModelStatisticsAsync(string? model = null, string? version = null, CancellationToken cancellationToken = default)
    {
        var path = model is null ? "v2/models/stats" : ModelPath(model, version) + "/stats";
        return SendAsync<IReadOnlyList<ModelStatistics>>(HttpMethod.Get, path, null, root => root.GetProperty("model_stats").EnumerateArray().Select(s =>
        {
            var stats = s.GetProperty("inference_stats");
            return new ModelStatistics(
                s.GetProperty("name").GetString() ?? "",
                s.GetProperty("version").GetString() ?? "",
                s.GetProperty("last_inference").GetInt64(),
                s.GetProperty("inference_count").GetInt64(),
                s.GetProperty("execution_count").GetInt64(),
                new InferStatistics(Duration(stats, "success"), Duration(stats, "fail"), Duration(stats, "queue"),
                    Duration(stats, "compute_input"), Duration(stats, "compute_infer"), Duration(stats, "compute_output")),
                s.GetProperty("batch_stats").EnumerateArray().Select(b => new BatchStatistics(
                    b.GetProperty("batch_size").GetInt64(), Duration(b, "compute_input"), Duration(b, "compute_infer"), Duration(b, "compute_output"))).ToArray());
        }).ToArray(), cancellationToken);
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static StatisticDuration Duration(JsonElement parent, string name) =>
        parent.GetProperty(name) is var d ? new StatisticDuration(d.GetProperty("count").GetInt64(), d.GetProperty("ns").GetInt64()) : new StatisticDuration(0, 0);

    private static TensorMetadata[] Tensors(JsonElement list) => list.EnumerateArray()
        .Select(t => new TensorMetadata(t.GetProperty("name").GetString() ?? "", t.GetProperty("datatype").GetString() ?? "", t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray()))
        .ToArray();

    private static string ModelPath(string model, string? version)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        return string.IsNullOrEmpty(version)
            ? $"v2/models/{Uri.EscapeDataString(model)}"
            : $"v2/models/{Uri.EscapeDataString(model)}/versions/{Uri.EscapeDataString(version)}";
    }

    /// <summary>A health route: true on 200, false on 503 (not ready); anything else is an error.</summary>
    private Task<bool> StatusAsync(string path, CancellationToken cancellationToken) =>
        Retries.RunAsync(_options, async (_, token) =>
        {
            using var response = await _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return false;
            }
            if (!response.IsSuccessStatusCode)
            {
                throw await ErrorOf(response, token).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken);

    private Task<T> SendAsync<T>(HttpMethod method, string path, byte[]? body, Func<JsonElement, T> read, CancellationToken cancellationToken) =>
        Retries.RunAsync(_options, async (_, token) =>
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body) { Headers = { ContentType = s_json } };
            }
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw await ErrorOf(response, token).ConfigureAwait(false);
            }
            await using var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            using var document = await JsonDocument.ParseAsync(stream, default, token).ConfigureAwait(false);
            try
            {
                return read(document.RootElement);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InferenceClientException(InferenceErrorCode.Internal, $"The server's answer to {method} /{path} is not what the protocol says: {e.Message}", e);
            }
        }, cancellationToken);

    private static async Task<InferenceClientException> ErrorOf(HttpResponseMessage response, CancellationToken token)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(token).ConfigureAwait(false);
        var message = MessageOf(text) ?? $"HTTP {status} {response.ReasonPhrase}";
        var code = status switch
        {
            400 => InferenceErrorCode.InvalidArgument,
            401 => InferenceErrorCode.Unauthenticated,
            403 => InferenceErrorCode.PermissionDenied,
            404 => InferenceErrorCode.NotFound,
            409 => InferenceErrorCode.Conflict,
            413 or 429 => InferenceErrorCode.ResourceExhausted,
            501 => InferenceErrorCode.Unimplemented,
            503 => InferenceErrorCode.Unavailable,
            504 => InferenceErrorCode.DeadlineExceeded,
            _ => InferenceErrorCode.Internal,
        };
        return new InferenceClientException(code, message) { HttpStatus = status, RetryAfter = RetryAfterOf(response.Headers.RetryAfter) };
    }

    private static TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header) =>
        header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero : null);

    /// <summary>The message of an {"error": "…"} body or of a ProblemDetails (its detail, else its title).</summary>
    private static string? MessageOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            foreach (var name in new[] { "error", "detail", "title" })
            {
                if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString();
                }
            }
            return null;
        }
        catch (JsonException)
        {
            return string.IsNullOrWhiteSpace(body) ? null : body.Trim();
        }
    }
}
