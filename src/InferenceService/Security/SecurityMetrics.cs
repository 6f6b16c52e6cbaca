using System.Diagnostics;
using System.Diagnostics.Metrics;
using InferenceService.Engine.Telemetry;

namespace InferenceService.Security;

/// <summary>
/// Refusals of the security door on the service's Meter: <c>inference.quota.rejections</c> by key id, model and the
/// limit that refused (rate, concurrency), and <c>inference.auth.refusals</c> by status (401, 403). The key tag is a
/// configured id or "anonymous", and the model a model the repository has or "": both bounded.
/// </summary>
internal sealed class SecurityMetrics
{
    public const string QuotaRejections = "inference.quota.rejections";
    public const string AuthRefusals = "inference.auth.refusals";
    public const string KeyTag = "key";
    public const string LimitTag = "limit";
    public const string StatusTag = "status";

    private readonly Counter<long> _quotaRejections;
    private readonly Counter<long> _authRefusals;

    public SecurityMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryNames.Meter);
        _quotaRejections = meter.CreateCounter<long>(QuotaRejections, "{request}", "Requests refused with 429 because their client was over its quota.");
        _authRefusals = meter.CreateCounter<long>(AuthRefusals, "{request}", "Requests refused with 401 (no or unknown key) or 403 (scope missing).");
    }

    public void OverQuota(string? keyId, string model, string limit) =>
        _quotaRejections.Add(1, new TagList { { KeyTag, keyId ?? "anonymous" }, { TelemetryNames.ModelTag, model }, { LimitTag, limit } });

    public void Refused(int status) => _authRefusals.Add(1, new KeyValuePair<string, object?>(StatusTag, status));
}
