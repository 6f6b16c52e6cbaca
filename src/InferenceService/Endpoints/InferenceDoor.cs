using InferenceService.Engine;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Telemetry;
using InferenceService.Errors;
using InferenceService.Telemetry;

namespace InferenceService.Endpoints;

/// <summary>
/// The door of every inference route, right after routing and before anything else of the request is done: a request
/// that cannot be admitted now (the server stopping or at its limit of requests in flight, the model version's queue
/// full counting the requests already admitted and still being decoded) is answered 503 with Retry-After at once,
/// before its body is read, with an error body made once and kept; it is counted in the metrics and summed up in the
/// overload log, not logged on its own. An admitted request takes a place in its model's queue with it
/// (<see cref="InferenceAdmission"/>), so no request is decoded only to find the queue full. The model is known here
/// when the route names it (<c>/v2/models/{m}/infer</c>, <c>/predict/{m}</c>) or the <c>X-Model</c> header does;
/// a <c>/predict</c> naming it only in its body gets the server-wide checks here and the queue check once its body is
/// read. Around the rest of an admitted request, it records the request's metrics and spans
/// (<see cref="InferenceTelemetry"/>).
/// </summary>
internal sealed class InferenceDoor(RequestDelegate next, IServiceProvider root)
{
    // Taken on the first inference, not when the pipeline is built: building them then would delay listening.
    private InferenceServices? _services;
    private InferenceTelemetry? _telemetry;

    private readonly ConditionalWeakTable<LoadedModel, ErrorResult[]> _modelAnswers = new();
    private const int ApiCount = 3;

    private readonly ErrorResult?[] _serverAnswers = new ErrorResult?[4 * ApiCount];

    public Task InvokeAsync(HttpContext context)
    {
        var route = context.GetEndpoint()?.Metadata.GetMetadata<InferenceRoute>();
        return route is null ? next(context) : AdmitAsync(context, route);
    }

    private InferenceServices Services => _services ??= root.GetRequiredService<InferenceServices>();

    private InferenceTelemetry Telemetry => _telemetry ??= root.GetRequiredService<InferenceTelemetry>();

    private async Task AdmitAsync(HttpContext context, InferenceRoute route)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        // The model first (when the request names it before its body), so that a refusal is counted under its name.
        LoadedModel? model = null;
        if (route.ModelOf(context) is { } name)
        {
            InferenceException? unavailable;
            (model, unavailable) = await TryAcquireAsync(name, InferenceRoute.VersionOf(context), context.RequestAborted);
            if (unavailable is not null)
            {
                // An on-demand load that could not happen (the budget is full of busy models, or it took too long): its reason.
                Services.Metrics.RecordRequest(name, "", RequestOutcomes.Rejected, Stopwatch.GetElapsedTime(started));
                await Make(route.Api, unavailable).ExecuteAsync(context);
                return;
            }
        }
        InferenceAdmission? admission = null;
        AdmissionRefusal refusal;
        if (model is null)
        {
            refusal = Admission.CheckServer(Services.Scheduling);
        }
        else if ((refusal = Admission.TryAdmit(model, out var ticket)) == AdmissionRefusal.None)
        {
            admission = new InferenceAdmission(model, ticket);
            context.Features.Set(admission);
        }
        if (refusal != AdmissionRefusal.None)
        {
            model?.Exit();
            await RefuseAsync(context, route, refusal, model, started);
            return;
        }
        var completed = false;
        try
        {
            await next(context);
            completed = true;
        }
        finally
        {
            admission?.Release();
            model?.Exit(); // the version was held from the door to the end of the answer: a reload drains it only then
            if (InferenceRecord.Of(context) is { } record)
            {
                Telemetry.Record(context, record, completed, startedAt, started);
            }
        }
    }

    /// <summary>
    /// The model version to admit against, held for the request (a drain waits for it); loaded first when it is in the
    /// repository, not loaded, and models load on demand. Null when there is none (unknown, not ready): the endpoint
    /// answers that, as it would.
    /// </summary>
    private async ValueTask<(LoadedModel? Model, InferenceException? Unavailable)> TryAcquireAsync(string name, string? version, CancellationToken cancellationToken)
    {
        if (Services.Registry.Find(name) is not { } status)
        {
            return (null, null);
        }
        try
        {
            return (await Services.Lifecycle.AcquireAsync(name, version, cancellationToken), null);
        }
        catch (InferenceException e)
        {
            var loadedOnDemand = Services.Lifecycle.LoadsOnDemand && status.IsUnloaded;
            return (null, loadedOnDemand && e.Kind is InferenceErrorKind.Overloaded or InferenceErrorKind.ModelNotReady or InferenceErrorKind.InvalidInput ? OnDemandError(name, e) : null);
        }
        catch (OperationCanceledException)
        {
            return (null, null);
        }
    }

    /// <summary>A load on demand that failed is the server's state, not the request's mistake: never a 400 to the caller.</summary>
    private static InferenceException OnDemandError(string name, InferenceException error) =>
        error.Kind == InferenceErrorKind.InvalidInput
            ? new InferenceException(InferenceErrorKind.ModelNotReady, $"Model '{name}' could not be loaded on demand: {error.Message}")
            : error;

    private Task RefuseAsync(HttpContext context, InferenceRoute route, AdmissionRefusal refusal, LoadedModel? model, long started)
    {
        var answer = AnswerFor(route.Api, refusal, model);
        Services.Metrics.RecordRequest(model?.Name ?? "", model?.VersionText ?? "", RequestOutcomes.Rejected, Stopwatch.GetElapsedTime(started));
        Services.Overload.Refused(model?.Name ?? "(any)", answer.Message);
        return answer.ExecuteAsync(context);
    }

    /// <summary>The refusal's answer, made on first use and kept (per model version, per refusal, per API).</summary>
    private ErrorResult AnswerFor(InferenceApi api, AdmissionRefusal refusal, LoadedModel? model)
    {
        var slot = ((int)refusal * ApiCount) + (int)api;
        if (model is null || refusal != AdmissionRefusal.QueueFull)
        {
            return _serverAnswers[slot] ??= Make(api, Admission.Error(refusal, Services.Scheduling, model));
        }
        var answers = _modelAnswers.GetValue(model, static _ => new ErrorResult[ApiCount]);
        return answers[(int)api] ??= Make(api, Admission.Error(refusal, Services.Scheduling, model));
    }

    private static ErrorResult Make(InferenceApi api, InferenceException error) => api switch
    {
        InferenceApi.Protocol => ErrorResult.Cached(InferenceErrors.Of(error.Kind), error.Message),
        InferenceApi.Grpc => ErrorResult.Grpc(InferenceErrors.Of(error.Kind), error.Message),
        _ => ErrorResult.Problem(InferenceErrors.Of(error.Kind), error.Message),
    };
}
