namespace InferenceService.Health;

/// <summary>
/// <c>dotnet InferenceService.dll --healthcheck &lt;url&gt;</c>: one GET, exit code 0 on a 2xx answer and 1 otherwise.
/// This is the container image's HEALTHCHECK: the ASP.NET runtime images carry neither curl nor wget, and the app itself
/// is the one client that is in every image we build (CPU and GPU) without adding a package to either.
/// </summary>
internal static class HealthCheckCommand
{
    public const string Switch = "--healthcheck";

    /// <summary>Shorter than the image's HEALTHCHECK --timeout, so the command reports a hung server itself.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Switch;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 2 || !Uri.TryCreate(args[1], UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            await Console.Error.WriteLineAsync($"usage: {Switch} http://127.0.0.1:<port>/<path>");
            return 2;
        }
        try
        {
            using var client = new HttpClient { Timeout = Timeout };
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            await Console.Out.WriteLineAsync($"{url} {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await Console.Out.WriteLineAsync($"{url} unreachable: {e.Message}");
            return 1;
        }
    }
}
