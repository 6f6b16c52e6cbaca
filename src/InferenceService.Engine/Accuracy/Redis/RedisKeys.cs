using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>The streams of rows an output keeps: scored classes, scored numbers, or predicted classes (signals).</summary>
internal enum RowStream
{
    Scores,
    Errors,
    Signals,
}

/// <summary>
/// The names of every key the store writes, under one prefix. Model names, output names and ids are the client's or
/// the repository's text, so they are escaped: a ':' inside a name can never make two keys collide.
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    /// <summary>Model versions whose key prefix is kept at most; beyond, a key is built whole.</summary>
    private const int MaxCachedVersions = 1024;

    /// <summary>The first part of a prediction's key per model version, built once: the writer names thousands a second.</summary>
    private readonly ConcurrentDictionary<(string Model, long Version), string> _versionPrefixes = new();

    /// <summary>
    /// The list of kept prediction keys in the order they were written, oldest first: the count bound's queue. (Before,
    /// a sorted set under <c>predictions</c>; a list costs Redis a push and a pop per prediction instead of a sorted insert
    /// and removal, and a new name keeps the two from meeting while replicas of both versions run.)
    /// </summary>
    public RedisKey PredictionIndex { get; } = prefix + "kept";

    public RedisKey Prediction(PredictionKey key) => string.Concat(VersionPrefix(key.Model, key.Version), Escape(key.Id));

    private string VersionPrefix(string model, long version)
    {
        if (_versionPrefixes.TryGetValue((model, version), out var known))
        {
            return known;
        }
        var built = $"{prefix}p:{Escape(model)}:{version.ToString(CultureInfo.InvariantCulture)}:";
        if (_versionPrefixes.Count < MaxCachedVersions)
        {
            _versionPrefixes.TryAdd((model, version), built);
        }
        return built;
    }

    /// <summary>The newest rows of one stream, oldest first, as long as the largest row window.</summary>
    public RedisKey Rows(OutputTracker output, RowStream stream) => $"{Output(output)}:{Name(stream)}:rows";

    /// <summary>One time bucket of one stream and window: counts that expire once the bucket has left the window.</summary>
    public RedisKey Bucket(OutputTracker output, RowStream stream, RollingWindow window, long bucket) =>
        $"{Output(output)}:{Name(stream)}:{window.Name}:{bucket.ToString(CultureInfo.InvariantCulture)}";

    private string Output(OutputTracker output) =>
        $"{prefix}o:{Escape(output.Model)}:{output.Version.ToString(CultureInfo.InvariantCulture)}:{Escape(output.Name)}";

    private static string Name(RowStream stream) => stream switch
    {
        RowStream.Scores => "scores",
        RowStream.Errors => "errors",
        _ => "signals",
    };

    private static string Escape(string text) => Uri.EscapeDataString(text);
}
