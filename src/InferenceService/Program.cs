using System.Diagnostics.Metrics;
using System.Text.Encodings.Web;
using System.Text.Json.Serialization;
using InferenceService.Contracts;
using InferenceService.Endpoints;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Lifecycle;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Telemetry;
using InferenceService.Errors;
using InferenceService.Grpc;
using InferenceService.Health;
using InferenceService.Hosting;
using InferenceService.OpenApi;
using InferenceService.Security;
using InferenceService.Telemetry;
using Microsoft.Extensions.Options;

if (HealthCheckCommand.IsRequested(args))
{
    return await HealthCheckCommand.RunAsync(args);
}
if (BatchCommand.IsRequested(args))
{
    return await BatchCommand.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = ContentRoot.DefaultFor(args) });

// Serilog logs, metrics at /metrics and traces (OTLP when configured): see Telemetry/TelemetrySetup.cs.
builder.AddInferenceTelemetry();

// API keys and scopes, quotas, request limits (Kestrel's among them) and HSTS: see Security/SecuritySetup.cs.
builder.AddInferenceSecurity();
// The HTTP API where the hosting settings say, and the V2 gRPC service on its own HTTP/2 port (Grpc:Url).
builder.AddServerEndpoints();

builder.Services.Configure<ModelRepositoryOptions>(builder.Configuration.GetSection(ModelRepositoryOptions.SectionName));
builder.Services.AddOptions<OnnxRuntimeOptions>().Bind(builder.Configuration.GetSection(OnnxRuntimeOptions.SectionName)).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<OnnxRuntimeOptions>, OnnxRuntimeOptionsValidator>();
builder.Services.Configure<SchedulingOptions>(builder.Configuration.GetSection(SchedulingOptions.SectionName));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(services => new SchedulerContext(
    services.GetRequiredService<IOptions<SchedulingOptions>>().Value,
    services.GetRequiredService<TimeProvider>(),
    services.GetService<IBatchObserver>()));
builder.Services.AddSingleton(services => new ModelLoader(services.GetRequiredService<ILogger<ModelLoader>>(), services.GetRequiredService<SchedulerContext>())
{
    DefaultExecutionProviders = services.GetRequiredService<IOptions<OnnxRuntimeOptions>>().Value.ExecutionProviderList([]),
});
builder.Services.AddSingleton<ModelRegistry>();
builder.Services.AddSingleton<LifecycleMetrics>();
// Loads, reloads, unloads and polls the repository; the one writer of the registry (see Engine/Lifecycle).
builder.Services.AddSingleton(services => new ModelLifecycle(
    services.GetRequiredService<ModelRegistry>(),
    services.GetRequiredService<ModelLoader>(),
    services.GetRequiredService<IOptions<ModelRepositoryOptions>>().Value,
    services.GetRequiredService<TimeProvider>(),
    services.GetRequiredService<ILogger<ModelLifecycle>>(),
    services.GetRequiredService<LifecycleMetrics>()));
builder.Services.AddSingleton(services => new InferencePipeline
{
    Limits = services.GetRequiredService<ServerLimits>().Request,
    Online = new OnlineActivity(services.GetRequiredService<TimeProvider>()),
});
builder.Services.AddSingleton<OverloadLog>();
builder.Services.AddSingleton<InferenceServices>();
builder.Services.AddOptions<AccuracyOptions>().Bind(builder.Configuration.GetSection(AccuracyOptions.SectionName)).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<AccuracyOptions>, AccuracyOptionsValidation>();
// Accuracy:Store: memory (this process) or redis (shared by every replica): see Engine/Accuracy/IAccuracyStore.cs.
builder.Services.AddSingleton<IAccuracyStore>(services => AccuracyStores.Create(services));
builder.Services.AddSingleton(services => new AccuracyTracker(
    services.GetRequiredService<IOptions<AccuracyOptions>>().Value,
    services.GetRequiredService<TimeProvider>(),
    services.GetRequiredService<IMeterFactory>(),
    services.GetRequiredService<IAccuracyStore>()));
builder.Services.AddSingleton<Readiness>();
builder.Services.AddHostedService<ModelRepositoryLoader>();
// Batch jobs: the store under Jobs:Directory, resumed at start (see Hosting/JobsSetup.cs).
builder.Services.AddBatchJobs(builder.Configuration, builder.Environment);
// SIGTERM drains first (Server:DrainDelaySeconds), then the host stops: see Hosting/GracefulShutdown.cs.
builder.Services.AddGracefulShutdown(builder.Configuration);

builder.Services.ConfigureHttpJsonOptions(json =>
{
    json.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default);
    json.SerializerOptions.TypeInfoResolverChain.Insert(1, JobContractsJsonContext.Default);
    json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
    // Answers are application/json, never embedded in HTML: quotes and apostrophes in messages stay readable.
    json.SerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
});
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<UnhandledErrorHandler>();
builder.Services.AddInferenceOpenApi();
// gzip and deflate answers for clients that ask: see Hosting/ResponseCompressionSetup.cs.
builder.Services.AddInferenceResponseCompression(builder.Configuration);
builder.Services.AddInferenceGrpc(builder.Configuration);

var app = builder.Build();

app.UseGracefulShutdown();
app.UseInferenceResponseCompression();
// Routing first, then the door of the inference routes: a request that cannot be admitted is refused before its body
// is read and before the request log, telemetry and error handling below spend anything on it.
app.UseRouting();
// Who may call what (API key, scope, quota) before the inference door takes queue space for the request.
app.UseInferenceSecurity();
app.UseMiddleware<InferenceDoor>();
app.UseInferenceTelemetry();
app.UseExceptionHandler();
app.UseInferenceOpenApi();

app.MapHealthApi();
app.MapPredictApi();
app.MapInferenceProtocolApi();
app.MapRepositoryApi();
app.MapModelConfigApi();
app.MapStatisticsApi();
app.MapAccuracyApi();
app.MapMetricsApi();
app.MapJobsApi();
app.MapInferenceGrpc();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the API tests' WebApplicationFactory.</summary>
public partial class Program;
