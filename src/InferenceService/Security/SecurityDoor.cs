using System.Diagnostics;
using System.Threading.RateLimiting;
using InferenceService.Endpoints;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;

using InferenceService.Engine;

namespace InferenceService.Security;

/// <summary>
/// Who may call what, right after routing and before anything else reads the request (the inference door, which
/// takes queue space, comes after this): a route whose endpoint carries <see cref="RequiredScopeAttribute"/> (every
/// minimal-API group and gRPC method names one) needs a caller with that scope, and the caller's quota. A route
/// without one (health, readiness) is open. The checks read only headers, so a refused request's body is never read:
/// 401 when a key is needed and missing or unknown, 403 when the caller's scopes lack the route's, 400 when the
/// model the path or the <c>X-Model</c> header names is not a valid name (on every route, open ones too), 429 when
/// the caller is over its rate or its requests in flight. An admitted request carries its <see cref="Caller"/> (the key's
/// id goes to the request log and the trace) and holds its concurrency permit until it ends.
/// </summary>
internal sealed class SecurityDoor(RequestDelegate next, ApiKeys keys, SecurityLog log, SecurityMetrics metrics, ModelRegistry registry)
{
    public const string ApiKeyHeader = "X-API-Key";
    public const string KeyIdTag = "inference.api_key.id";

    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return next(context);
        }
        var required = endpoint.Metadata.GetMetadata<RequiredScopeAttribute>();
        if (required is not null)
        {
            return AuthorizeAsync(context, required.Scope);
        }
        return NameProblem(context) is { } problem ? RefuseNameAsync(context, problem) : next(context);
    }

    /// <summary>
    /// Why the model the request names before its body (the route's <c>{model}</c>, the <c>X-Model</c> header) is not
    /// a valid name (<see cref="ModelNames"/>); null when it is or there is none. The name is not echoed: it is the
    /// client's text and may hold anything.
    /// </summary>
    private static string? NameProblem(HttpContext context)
    {
        if (context.Request.RouteValues.TryGetValue("model", out var routed) && routed is string model && ModelNames.Problem(model) is { } problem)
        {
            return "The model name in the path is not valid: " + problem;
        }
        var header = context.Request.Headers[InferenceRoute.ModelHeader];
        return header.Count > 0 && ModelNames.Problem(header[0]) is { } headerProblem
            ? $"The model name in the {InferenceRoute.ModelHeader} header is not valid: " + headerProblem
            : null;
    }

    private static Task RefuseNameAsync(HttpContext context, string problem) =>
        SecurityAnswers.WriteAsync(context, InferenceService.Errors.InferenceErrors.Of(InferenceErrorKind.InvalidInput), problem);

    private Task AuthorizeAsync(HttpContext context, string scope)
    {
        if (!TryAuthenticate(context, out var caller, out var refusal))
        {
            metrics.Refused(StatusCodes.Status401Unauthorized);
            log.Unauthenticated(RouteOf(context), refusal);
            return SecurityAnswers.WriteAsync(context, SecurityAnswers.Unauthenticated, refusal, invalidKey: true);
        }
        context.Features.Set(caller);
        if (caller.KeyId is not null)
        {
            Activity.Current?.SetTag(KeyIdTag, caller.KeyId);
        }

        var needed = ScopeSets.Of(scope);
        if (needed == ScopeSet.None || (caller.Scopes & needed) != needed)
        {
            return RefuseScopeAsync(context, caller, scope);
        }

        if (NameProblem(context) is { } nameProblem)
        {
            return RefuseNameAsync(context, nameProblem);
        }

        var quota = caller.Quota;
        if (quota.Requests is { } requests)
        {
            using var lease = requests.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                lease.TryGetMetadata(MetadataName.RetryAfter, out var wait);
                return RefuseQuotaAsync(context, caller, "rate", wait,
                    $"Over the quota of {SecuritySettings.Describe(quota.Settings.RequestsPerSecond)} requests a second (burst {quota.Settings.Burst}); retry after the time Retry-After gives.");
            }
        }
        if (quota.Concurrency is { } concurrency)
        {
            var slot = concurrency.AttemptAcquire();
            if (!slot.IsAcquired)
            {
                slot.Dispose();
                return RefuseQuotaAsync(context, caller, "concurrency", TimeSpan.FromSeconds(1),
                    $"Over the quota of {quota.Settings.MaxConcurrentRequests} requests in flight at once; retry when one of them is answered.");
            }
            return RunHoldingAsync(context, slot);
        }
        return next(context);
    }

    private async Task RunHoldingAsync(HttpContext context, RateLimitLease slot)
    {
        try
        {
            await next(context);
        }
        finally
        {
            slot.Dispose();
        }
    }

    /// <summary>Finds the caller from <c>Authorization: Bearer</c> or <c>X-API-Key</c>; false (with the client's message) when the key is not known.</summary>
    private bool TryAuthenticate(HttpContext context, out Caller caller, out string refusal)
    {
        caller = null!;
        refusal = "";
        var headers = context.Request.Headers;
        var authorization = headers.Authorization;
        var apiKey = headers[ApiKeyHeader];
        // With no key configured, credentials meant for something else (a gateway in front) are not ours to judge.
        if (!keys.AnyConfigured || (authorization.Count == 0 && apiKey.Count == 0))
        {
            caller = keys.Anonymous(context.Connection.RemoteIpAddress);
            return true;
        }
        ReadOnlySpan<char> presented;
        if (authorization.Count > 0)
        {
            if (authorization.Count > 1 || apiKey.Count > 0)
            {
                refusal = $"Give the API key once: in Authorization: Bearer <key> or in {ApiKeyHeader}, not both.";
                return false;
            }
            var value = authorization[0].AsSpan().Trim();
            const string bearer = "Bearer ";
            if (!value.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
            {
                refusal = $"The Authorization header must be 'Bearer <key>' (or give the key in {ApiKeyHeader}).";
                return false;
            }
            presented = value[bearer.Length..].Trim();
        }
        else
        {
            if (apiKey.Count > 1)
            {
                refusal = $"Give the API key once: in Authorization: Bearer <key> or in {ApiKeyHeader}, not both.";
                return false;
            }
            presented = apiKey[0].AsSpan().Trim();
        }
        var key = keys.Find(presented);
        if (key is null)
        {
            refusal = "The API key is not known.";
            return false;
        }
        caller = key.Caller;
        return true;
    }

    private Task RefuseScopeAsync(HttpContext context, Caller caller, string scope)
    {
        var route = RouteOf(context);
        if (caller.IsAnonymous && keys.AnyConfigured)
        {
            metrics.Refused(StatusCodes.Status401Unauthorized);
            log.Unauthenticated(route, $"no key, scope {scope} needed");
            return SecurityAnswers.WriteAsync(context, SecurityAnswers.Unauthenticated,
                $"This route needs an API key with scope '{scope}', in Authorization: Bearer <key> or {ApiKeyHeader}.");
        }
        metrics.Refused(StatusCodes.Status403Forbidden);
        log.Forbidden(caller.KeyId, route, scope);
        var message = caller.IsAnonymous
            ? $"Anonymous callers do not have scope '{scope}', which this route needs: configure an API key with it (Authentication:ApiKeys), or, for calls from this machine only, set Authentication:AnonymousLoopbackManagement."
            : $"The API key '{caller.KeyId}' does not have scope '{scope}', which this route needs.";
        return SecurityAnswers.WriteAsync(context, SecurityAnswers.Forbidden, message);
    }

    private Task RefuseQuotaAsync(HttpContext context, Caller caller, string limit, object? wait, string message)
    {
        metrics.OverQuota(caller.KeyId, KnownModel(context), limit);
        log.OverQuota(caller.KeyId, RouteOf(context), limit);
        return SecurityAnswers.WriteAsync(context, SecurityAnswers.OverQuota, message, retryAfter: wait as TimeSpan? ?? TimeSpan.FromSeconds(1));
    }

    /// <summary>The model the request names before its body, when the repository has it: a bounded metric label.</summary>
    private string KnownModel(HttpContext context)
    {
        var name = context.Request.RouteValues.TryGetValue("model", out var routed) ? routed as string
            : context.Request.Headers[InferenceRoute.ModelHeader].Count == 1 ? context.Request.Headers[InferenceRoute.ModelHeader][0] : null;
        return name is not null && registry.Find(name) is not null ? name : "";
    }

    private static string RouteOf(HttpContext context) =>
        (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.GetEndpoint()?.DisplayName ?? "";
}
