namespace InferenceService.Hosting;

/// <summary>
/// While the server drains (see <see cref="GracefulShutdown"/>), every answer closes its connection once it is sent:
/// HTTP/1.x answers carry <c>Connection: close</c>, and on HTTP/2 the connection is sent GOAWAY (its open streams
/// finish). The client then knows not to reuse the connection, so it never sends a request on a connection the server
/// is about to close (the race that resets keep-alive requests when a server just stops). Decided when the answer
/// starts, not when the request arrives, so a request admitted before the drain and answered during it closes too,
/// and a refusal caused by the drain always closes.
/// </summary>
internal sealed class ConnectionDrainingMiddleware
{
    private readonly RequestDelegate _next;
    private readonly GracefulShutdown _shutdown;
    private readonly Func<object, Task> _onStarting;

    public ConnectionDrainingMiddleware(RequestDelegate next, GracefulShutdown shutdown)
    {
        _next = next;
        _shutdown = shutdown;
        _onStarting = CloseIfDraining;
    }

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(_onStarting, context);
        return _next(context);
    }

    private Task CloseIfDraining(object state)
    {
        if (_shutdown.IsDraining)
        {
            var context = (HttpContext)state;
            if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
            {
                context.Response.Headers.Connection = "close";
            }
            else
            {
                // Kestrel's own graceful close: GOAWAY on HTTP/2 (a Connection header is not allowed there).
                context.Connection.RequestClose();
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>Registers the drain, its setting, the SIGTERM-aware lifetime and the middleware.</summary>
internal static class GracefulShutdownExtensions
{
    public static IServiceCollection AddGracefulShutdown(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DrainOptions>().Bind(configuration.GetSection(DrainOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<DrainOptions>, DrainOptionsValidation>();
        services.AddSingleton<GracefulShutdown>();
        services.AddHostedService(services => services.GetRequiredService<GracefulShutdown>());
        services.AddSingleton<IHostLifetime, DrainingConsoleLifetime>();
        return services;
    }

    /// <summary>First in the pipeline, so that every answer, errors included, closes its connection while draining.</summary>
    public static IApplicationBuilder UseGracefulShutdown(this IApplicationBuilder app) =>
        app.UseMiddleware<ConnectionDrainingMiddleware>();
}
