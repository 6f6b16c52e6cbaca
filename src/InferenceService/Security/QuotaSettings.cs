namespace InferenceService.Security;

/// <summary>
/// One client's quota, as configured (per API key, or <c>Authentication:Anonymous</c> for callers without one). Zero
/// or absent means no limit of that kind.
/// </summary>
/// <param name="RequestsPerSecond">Requests a second, sustained (the token bucket's refill rate).</param>
/// <param name="Burst">Requests that may come at once above the rate (the bucket's size); defaults to one second's worth, at least 1.</param>
/// <param name="MaxConcurrentRequests">Requests in flight at one time.</param>
/// <param name="JobRowsPerSecond">Rows a second that the client's batch jobs may infer.</param>
/// <param name="JobRowBurst">Rows above that rate at once; defaults to one second's worth, at least 1.</param>
internal sealed record QuotaSettings(double RequestsPerSecond, int Burst, int MaxConcurrentRequests, double JobRowsPerSecond, int JobRowBurst)
{
    public static readonly QuotaSettings Unlimited = new(0, 0, 0, 0, 0);

    /// <summary>Reads a quota from the section of a key (or of the anonymous callers), adding a problem for each bad value.</summary>
    public static QuotaSettings Read(IConfiguration section, string where, List<string> problems)
    {
        var rate = Number(section, "RequestsPerSecond", where, problems);
        var burst = Count(section, "Burst", where, problems);
        var concurrent = Count(section, "MaxConcurrentRequests", where, problems);
        var rowRate = Number(section, "JobRowsPerSecond", where, problems);
        var rowBurst = Count(section, "JobRowBurst", where, problems);
        if (burst > 0 && rate == 0)
        {
            problems.Add($"{where}: Burst is set without RequestsPerSecond (the rate the bucket refills at).");
        }
        return new QuotaSettings(rate, burst > 0 ? burst : DefaultBurst(rate), concurrent, rowRate, rowBurst > 0 ? rowBurst : DefaultBurst(rowRate));
    }

    private static int DefaultBurst(double rate) => rate <= 0 ? 0 : (int)Math.Max(1, Math.Ceiling(rate));

    private static double Number(IConfiguration section, string name, string where, List<string> problems)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return 0;
        }
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
            || value < 0 || double.IsNaN(value) || double.IsInfinity(value))
        {
            problems.Add($"{where}: {name} must be a number of 0 or more (0: no limit), not '{text}'.");
            return 0;
        }
        return value;
    }

    private static int Count(IConfiguration section, string name, string where, List<string> problems)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return 0;
        }
        if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            problems.Add($"{where}: {name} must be a whole number of 0 or more (0: no limit), not '{text}'.");
            return 0;
        }
        return value;
    }
}
