using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Lifecycle;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Telemetry;
using InferenceService.Telemetry;

namespace InferenceService.Endpoints;

/// <summary>What an inference request's flow uses, as one service: one lookup per request rather than one per service.</summary>
internal sealed class InferenceServices(
    ModelRegistry registry,
    ModelLifecycle lifecycle,
    InferencePipeline pipeline,
    AccuracyTracker accuracy,
    SchedulerContext scheduling,
    InferenceMetrics metrics,
    OverloadLog overload)
{
    public ModelRegistry Registry { get; } = registry;

    /// <summary>Loads models on demand for the door (and, through it, every inference route).</summary>
    public ModelLifecycle Lifecycle { get; } = lifecycle;

    public InferencePipeline Pipeline { get; } = pipeline;

    public AccuracyTracker Accuracy { get; } = accuracy;

    public SchedulerContext Scheduling { get; } = scheduling;

    public InferenceMetrics Metrics { get; } = metrics;

    public OverloadLog Overload { get; } = overload;

    /// <summary>
    /// The services as an inference handler takes them: from the application's root provider, once, on the first
    /// request (not at mapping time, which would build them before the host validated its options), rather than from
    /// each request's scope.
    /// </summary>
    public static Func<InferenceServices> For(IEndpointRouteBuilder app)
    {
        var root = app.ServiceProvider;
        InferenceServices? services = null;
        return () => services ??= root.GetRequiredService<InferenceServices>();
    }
}

/// <summary>Which API an inference route belongs to, as endpoint metadata: the door refuses in that API's error form.</summary>
internal enum InferenceApi
{
    /// <summary>The Open Inference Protocol: the model (and version) in the route, errors as {"error"}.</summary>
    Protocol,

    /// <summary><c>/predict</c>: the model in the route, the <c>X-Model</c> header or the body; errors as ProblemDetails.</summary>
    Predict,

    /// <summary>The V2 gRPC service's ModelInfer: the model in the message (checked once it is read), errors as gRPC statuses.</summary>
    Grpc,
}

/// <summary>Marks an inference endpoint for <see cref="InferenceDoor"/>.</summary>
internal sealed record InferenceRoute(InferenceApi Api)
{
    /// <summary>The header that names the model of a <c>POST /predict</c>, so that it can be refused before its body is read.</summary>
    public const string ModelHeader = "X-Model";

    public static readonly InferenceRoute Protocol = new(InferenceApi.Protocol);

    public static readonly InferenceRoute Predict = new(InferenceApi.Predict);

    public static readonly InferenceRoute Grpc = new(InferenceApi.Grpc);

    /// <summary>The model the request names before its body: the route's <c>{model}</c>, else (for /predict) the header.</summary>
    public string? ModelOf(HttpContext context)
    {
        if (context.Request.RouteValues.TryGetValue("model", out var routed) && routed is string model)
        {
            return model;
        }
        return Api == InferenceApi.Predict && context.Request.Headers.TryGetValue(ModelHeader, out var header) && header.Count == 1 && !string.IsNullOrEmpty(header[0])
            ? header[0]
            : null;
    }

    public static string? VersionOf(HttpContext context) =>
        context.Request.RouteValues.TryGetValue("version", out var routed) ? routed as string : null;
}

/// <summary>
/// A request the door admitted for a model it resolved: the model version, and its place in that version's queue,
/// held until the request is queued (<see cref="Release"/>, called by the flow once queued or failed, and by the door
/// when the request ends, whichever comes first).
/// </summary>
internal sealed class InferenceAdmission(LoadedModel model, AdmissionTicket ticket)
{
    private AdmissionTicket _ticket = ticket;
    private int _released;

    public LoadedModel Model { get; } = model;

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _ticket.Dispose();
        }
    }

    public static InferenceAdmission? Of(HttpContext context) => context.Features.Get<InferenceAdmission>();
}
