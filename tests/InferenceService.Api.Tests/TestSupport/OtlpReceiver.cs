using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// A stand-in OpenTelemetry collector on a free loopback port, speaking OTLP over HTTP (http/protobuf): it keeps the
/// body of every export it is sent, by signal ("traces", "metrics", "logs"), and answers each with success.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Signal, byte[] Body)> _exports = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base address to give as OTEL_EXPORTER_OTLP_ENDPOINT; the exporter adds /v1/&lt;signal&gt;.</summary>
    public string Endpoint => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            receiver._exports.Enqueue((signal, body.ToArray()));
            // An empty body is an empty Export…ServiceResponse: everything was accepted.
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Whether some export of <paramref name="signal"/> holds every text given (protobuf carries strings as UTF-8).</summary>
    public bool Received(string signal, params string[] texts) =>
        _exports.Any(e => e.Signal == signal && texts.All(t => e.Body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(t)) >= 0));

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
