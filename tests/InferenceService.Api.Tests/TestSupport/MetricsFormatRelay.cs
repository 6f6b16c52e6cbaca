using System.Collections.Concurrent;
using System.Net;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// A loopback HTTP relay in front of the service's <c>GET /metrics</c> that asks for one exposition format, so that
/// Prometheus scrapes each format the exporter can answer in and not only the one its own Accept header wins:
/// <c>/text</c> asks for the text format 0.0.4, <c>/openmetrics</c> for OpenMetrics 1.0.0 (the Accept headers
/// Prometheus itself sends for each). The answer goes back as it came, body and Content-Type, and the Content-Type of
/// each route's last answer is kept for the test's messages.
/// </summary>
public sealed class MetricsFormatRelay : IAsyncDisposable
{
    /// <summary>Route → the Accept header sent to the service.</summary>
    public static readonly IReadOnlyDictionary<string, string> Formats = new Dictionary<string, string>
    {
        ["/text"] = "text/plain;version=0.0.4",
        ["/openmetrics"] = "application/openmetrics-text;version=1.0.0",
    };

    private readonly HttpListener _listener;
    private readonly HttpClient _service;
    private readonly Task _loop;
    private readonly ConcurrentDictionary<string, string> _contentTypes = new();

    private MetricsFormatRelay(HttpListener listener, Uri service, int port)
    {
        _listener = listener;
        _service = new HttpClient { BaseAddress = service, Timeout = TimeSpan.FromSeconds(10) };
        Port = port;
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The Content-Type of the service's last answer on each route that has been scraped.</summary>
    public IReadOnlyDictionary<string, string> ContentTypes => _contentTypes;

    /// <summary>Starts relaying to <paramref name="service"/>'s <c>/metrics</c> on a free loopback port.</summary>
    public static MetricsFormatRelay Start(Uri service)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackPorts.Free();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new MetricsFormatRelay(listener, service, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Another process took the free port between the probe and the bind: try another.
                listener.Close();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (ObjectDisposedException)
        {
        }
        _service.Dispose();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            _ = Task.Run(() => RelayAsync(context));
        }
    }

    private async Task RelayAsync(HttpListenerContext context)
    {
        var path = context.Request.Url?.AbsolutePath ?? "";
        try
        {
            if (!Formats.TryGetValue(path, out var accept))
            {
                context.Response.StatusCode = 404;
                return;
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.TryAddWithoutValidation("Accept", accept);
            using var response = await _service.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            var contentType = response.Content.Headers.ContentType?.ToString() ?? "";
            _contentTypes[path] = contentType;
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = contentType;
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or HttpListenerException or IOException)
        {
            // Prometheus records a failed scrape as the target's last error, which the test reports.
            try
            {
                context.Response.StatusCode = 502;
            }
            catch (InvalidOperationException)
            {
            }
        }
        finally
        {
            try
            {
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

}
