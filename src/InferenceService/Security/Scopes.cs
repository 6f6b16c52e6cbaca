namespace InferenceService.Security;

/// <summary>
/// What a caller may do. Every route group names the one scope it needs with <see cref="ScopeEndpointExtensions.RequireScope{TBuilder}"/> (or, on a gRPC method, <see cref="RequiredScopeAttribute"/>);
/// a route with no scope (health and readiness, for probes) is open to everyone.
/// </summary>
public static class Scopes
{
    /// <summary>/predict, V2 infer and model metadata, gRPC ModelInfer.</summary>
    public const string Infer = "infer";

    /// <summary>Ground-truth feedback and the accuracy reports.</summary>
    public const string Feedback = "feedback";

    /// <summary>Batch jobs: submit, read, cancel, delete.</summary>
    public const string Jobs = "jobs";

    /// <summary>The model repository (index, load, unload) and anything else that changes the server.</summary>
    public const string Manage = "manage";

    /// <summary>/metrics and the statistics extension.</summary>
    public const string Metrics = "metrics";

    public static readonly IReadOnlyList<string> All = [Infer, Feedback, Jobs, Manage, Metrics];
}
