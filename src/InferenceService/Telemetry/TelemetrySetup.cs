using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Telemetry;
using OpenTelemetry.Metrics;

namespace InferenceService.Telemetry;

/// <summary>
/// Logs, metrics and traces for the host, in two calls: <see cref="AddInferenceTelemetry"/> while building and
/// <see cref="UseInferenceTelemetry"/> first thing in the pipeline.
/// </summary>
internal static class TelemetrySetup
{
    public static WebApplicationBuilder AddInferenceTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddInferenceLogging();
        builder.Services.AddInferenceOpenTelemetry(builder.Configuration);
        builder.Services.AddSingleton<InferenceMetrics>();
        builder.Services.AddSingleton<IBatchObserver>(services => services.GetRequiredService<InferenceMetrics>());
        builder.Services.AddSingleton<ModelMetrics>();
        builder.Services.AddSingleton<InferenceTelemetry>();
        return builder;
    }

    public static WebApplication UseInferenceTelemetry(this WebApplication app)
    {
        // Start listening, and create the service's instruments, before the first request and the first model load:
        // what is measured while nothing listens is lost.
        app.Services.GetRequiredService<MeterProvider>();
        app.Services.GetRequiredService<InferenceMetrics>();
        app.Services.GetRequiredService<ModelMetrics>();

        // The inference requests' metrics and spans are recorded by their door (Endpoints/InferenceDoor.cs), which
        // wraps this: no middleware of its own.
        app.UseInferenceRequestLogging();
        return app;
    }
}
