namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// The distribution's chromium, which the browser tests drive through Playwright by its executable path (Playwright's
/// own browser downloads are not used). <c>.ci/install-chromium</c> installs it; <c>CHROMIUM_PATH</c> overrides.
/// </summary>
internal static class SystemChromium
{
    public static string Find()
    {
        var configured = Environment.GetEnvironmentVariable("CHROMIUM_PATH");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured : throw new FileNotFoundException($"CHROMIUM_PATH names no file: {configured}");
        }
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "chromium", "chromium-browser" })
            {
                var candidate = Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new FileNotFoundException("No chromium on PATH: run `bash .ci/install-chromium` (Debian's package), or set CHROMIUM_PATH.");
    }
}
