using InferenceService.Engine.Serving;

namespace InferenceService.Security;

/// <summary>
/// Every request limit, in one <c>Limits</c> section, each with a default that lets real traffic through: what
/// Kestrel enforces before the application sees a request (body size, header size and count: 413, 431), the depth
/// of a JSON body (400), what one inference may hold (the engine's <see cref="RequestLimits"/>: tensor rank,
/// elements, BYTES length, inputs, outputs; 400), and the size of an uploaded model (413). Each refusal names its
/// setting. <c>Server:MaxRequestBodyBytes</c>, the body limit's older name, is still read: the smaller of the two applies.
/// </summary>
internal sealed class ServerLimits
{
    public const string SectionName = RequestLimits.SectionName;

    public const long DefaultMaxRequestBodyBytes = 32 * 1024 * 1024;

    /// <summary>Bytes of one request body (Kestrel answers 413 past it; the readers name this setting).</summary>
    public long MaxRequestBodyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>Bytes of all of a request's headers together (Kestrel answers 431 past it).</summary>
    public int MaxRequestHeadersTotalBytes { get; init; } = 32 * 1024;

    /// <summary>Headers of one request (Kestrel answers 431 past it).</summary>
    public int MaxRequestHeaderCount { get; init; } = 100;

    /// <summary>Nesting depth of a JSON body: objects and arrays within each other.</summary>
    public int MaxJsonDepth { get; init; } = 64;

    /// <summary>
    /// The largest body of a repository load request (a configuration and model files in base64, read whole), in bytes.
    /// </summary>
    public long MaxModelUploadBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The engine's per-request limits.</summary>
    public RequestLimits Request { get; init; } = RequestLimits.Default;

    public static string Setting(string name) => RequestLimits.Setting(name);

    /// <summary>Reads the section; every value out of range is reported at once.</summary>
    /// <exception cref="InvalidOperationException">A value is out of range.</exception>
    public static ServerLimits Load(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var problems = new List<string>();
        var defaults = new ServerLimits();
        var engine = RequestLimits.Default;
        var legacyBody = configuration.GetValue<long?>("Server:MaxRequestBodyBytes");
        var limits = new ServerLimits
        {
            // The older name may only lower the limit: either setting can make the server stricter, neither laxer than the other.
            MaxRequestBodyBytes = Math.Min(Positive(section, nameof(MaxRequestBodyBytes), defaults.MaxRequestBodyBytes, problems), legacyBody is > 0 ? legacyBody.Value : long.MaxValue),
            MaxRequestHeadersTotalBytes = (int)Positive(section, nameof(MaxRequestHeadersTotalBytes), defaults.MaxRequestHeadersTotalBytes, problems, int.MaxValue),
            MaxRequestHeaderCount = (int)Positive(section, nameof(MaxRequestHeaderCount), defaults.MaxRequestHeaderCount, problems, int.MaxValue),
            MaxJsonDepth = (int)Positive(section, nameof(MaxJsonDepth), defaults.MaxJsonDepth, problems, 1024),
            MaxModelUploadBytes = Positive(section, nameof(MaxModelUploadBytes), defaults.MaxModelUploadBytes, problems),
            Request = new RequestLimits
            {
                MaxTensorRank = (int)Positive(section, nameof(RequestLimits.MaxTensorRank), engine.MaxTensorRank, problems, 64),
                MaxElementsPerRequest = Positive(section, nameof(RequestLimits.MaxElementsPerRequest), engine.MaxElementsPerRequest, problems),
                MaxStringBytes = (int)Positive(section, nameof(RequestLimits.MaxStringBytes), engine.MaxStringBytes, problems, int.MaxValue),
                MaxInputs = (int)Positive(section, nameof(RequestLimits.MaxInputs), engine.MaxInputs, problems, int.MaxValue),
                MaxOutputs = (int)Positive(section, nameof(RequestLimits.MaxOutputs), engine.MaxOutputs, problems, int.MaxValue),
            },
        };
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The request limits are not valid:\n- " + string.Join("\n- ", problems));
        }
        return limits;
    }

    /// <summary>The limits of a request's host, or the defaults (a request built by hand in a test).</summary>
    public static ServerLimits Of(HttpContext context) => context.RequestServices?.GetService<ServerLimits>() ?? new ServerLimits();

    private static long Positive(IConfiguration section, string name, long fallback, List<string> problems, long max = long.MaxValue)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }
        if (!long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 1 || value > max)
        {
            problems.Add($"{Setting(name)} must be a whole number from 1 to {max}, not '{text}'.");
            return fallback;
        }
        return value;
    }
}
