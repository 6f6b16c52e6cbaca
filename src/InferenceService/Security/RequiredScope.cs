namespace InferenceService.Security;

/// <summary>Endpoint metadata: the scope a caller needs for this route.</summary>
public sealed record RequiredScope(string Scope);

public static class ScopeEndpointExtensions
{
    /// <summary>Marks the routes of <paramref name="builder"/> as needing <paramref name="scope"/> (one of <see cref="Scopes"/>).</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScope(scope));
}
