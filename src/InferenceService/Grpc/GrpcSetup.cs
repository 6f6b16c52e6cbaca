using Grpc.AspNetCore.Server;
using InferenceService.Endpoints;
using InferenceService.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace InferenceService.Grpc;

/// <summary>
/// The V2 gRPC service, gRPC health checking and server reflection. Health: the service names "" and
/// <c>inference.GRPCInferenceService</c> answer SERVING exactly when the server is ready (<see cref="Readiness"/>, the
/// answer of GET /health/ready), so Kubernetes' native gRPC readiness probe works; "live" answers SERVING while the
/// process serves. Reflection lets grpcurl and other tools list and call the methods without the .proto files.
/// </summary>
internal static class GrpcSetup
{
    public const string ServiceName = "inference.GRPCInferenceService";
    public const string LiveService = "live";

    private const string ReadyTag = "ready";
    private const string LiveTag = "live";

    public static IServiceCollection AddInferenceGrpc(this IServiceCollection services, IConfiguration configuration)
    {
        var maxMessage = configuration.GetValue<long?>("Server:MaxRequestBodyBytes") ?? 32 * 1024 * 1024;
        services.AddGrpc(grpc =>
        {
            // The same bound as an HTTP body (Server:MaxRequestBodyBytes): a larger message is ResourceExhausted.
            grpc.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, maxMessage);
            grpc.MaxSendMessageSize = null;
        });
        services.AddSingleton<GrpcInferFlow>();
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(health =>
            {
                health.Services.Map("", result => result.Tags.Contains(ReadyTag));
                health.Services.Map(ServiceName, result => result.Tags.Contains(ReadyTag));
                health.Services.Map(LiveService, result => result.Tags.Contains(LiveTag));
            })
            .AddCheck<ReadinessHealthCheck>(ReadyTag, tags: [ReadyTag])
            .AddCheck(LiveTag, () => HealthCheckResult.Healthy(), tags: [LiveTag]);
        // Watch streams are fed by the health check publisher: a readiness change reaches them within a second.
        services.Configure<HealthCheckPublisherOptions>(publisher =>
        {
            publisher.Delay = TimeSpan.Zero;
            publisher.Period = TimeSpan.FromSeconds(1);
        });
        return services;
    }

    public static IEndpointRouteBuilder MapInferenceGrpc(this IEndpointRouteBuilder app)
    {
        // ModelInfer goes through the inference door like the REST infer routes: refused before its message is read
        // when the server is stopping or full, and counted in the inference metrics and spans.
        app.MapGrpcService<InferenceGrpcService>().Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<GrpcMethodMetadata>().Any(m => m.Method.Name == "ModelInfer"))
            {
                endpoint.Metadata.Add(InferenceRoute.Grpc);
            }
        });
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}

/// <summary>The server's readiness as an ASP.NET Core health check, for gRPC health checking.</summary>
internal sealed class ReadinessHealthCheck(Readiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The models are not ready, or the server is draining."));
}
