namespace InferenceService.Security;

/// <summary>
/// Endpoint metadata: the scope a caller needs for this route. An attribute, so that gRPC service methods (each its
/// own endpoint) can carry it too; minimal-API routes use <see cref="ScopeEndpointExtensions.RequireScope{TBuilder}"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false)]
public sealed class RequiredScopeAttribute(string scope) : Attribute
{
    public string Scope { get; } = scope;
}

public static class ScopeEndpointExtensions
{
    /// <summary>Marks the routes of <paramref name="builder"/> as needing <paramref name="scope"/> (one of <see cref="Scopes"/>).</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScopeAttribute(scope));
}
