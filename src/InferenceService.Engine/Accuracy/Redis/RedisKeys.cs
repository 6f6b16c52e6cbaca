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
    /// <summary>The sorted set of kept prediction keys by the time they were made, oldest first: the count bound's queue.</summary>
    public RedisKey PredictionIndex { get; } = prefix + "predictions";

    public RedisKey Prediction(PredictionKey key) =>
        $"{prefix}p:{Escape(key.Model)}:{key.Version.ToString(CultureInfo.InvariantCulture)}:{Escape(key.Id)}";

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
