using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Telemetry;

namespace InferenceService.Telemetry;

/// <summary>
/// Logs, metrics and traces for the host, in two calls: <see cref="AddInferenceTelemetry"/> while building and
/// <see cref="UseInferenceTelemetry"/> first thing in the pipeline.
/// </summary>
internal static class TelemetrySetup
{
    public static WebApplicationBuilder AddInferenceTelemetry(this WebApplicationBuilder builder)
    {
        builder.Logging.AddInferenceLogging();
        builder.Services.AddSingleton<InferenceMetrics>();
        builder.Services.AddSingleton<IBatchObserver>(services => services.GetRequiredService<InferenceMetrics>());
        builder.Services.AddSingleton<ModelMetrics>();
        builder.Services.AddSingleton<TelemetryProviders>();
        return builder;
    }

    public static WebApplication UseInferenceTelemetry(this WebApplication app)
    {
        // Start listening, and create the service's instruments, before the first request: what is measured while
        // nothing listens is lost.
        app.Services.GetRequiredService<TelemetryProviders>();
        app.Services.GetRequiredService<InferenceMetrics>();
        app.Services.GetRequiredService<ModelMetrics>();

        app.UseMiddleware<RequestLoggingMiddleware>();
        app.UseMiddleware<InferenceTelemetryMiddleware>();
        return app;
    }
}
