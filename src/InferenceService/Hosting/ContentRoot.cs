namespace InferenceService.Hosting;

/// <summary>
/// Where the host reads appsettings.json from. ASP.NET Core's default is the current directory, so
/// <c>dotnet /app/InferenceService.dll</c> started from another folder silently ran without its settings. The default
/// here is the application's own folder; a content root given explicitly still wins.
/// </summary>
internal static class ContentRoot
{
    private const string Key = "contentRoot";

    /// <summary>The application's folder, or null when the command line or the environment names a content root.</summary>
    public static string? DefaultFor(string[] args) =>
        GivenOnCommandLine(args) || GivenInEnvironment() ? null : AppContext.BaseDirectory;

    private static bool GivenOnCommandLine(string[] args) => args.Any(arg =>
    {
        // The command-line configuration provider accepts --key, -key, /key and key=value spellings, any case.
        var name = arg.TrimStart('-', '/');
        var equals = name.IndexOf('=', StringComparison.Ordinal);
        return (equals < 0 ? name : name[..equals]).Equals(Key, StringComparison.OrdinalIgnoreCase);
    });

    private static bool GivenInEnvironment() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"));
}
