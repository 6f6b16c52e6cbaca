using System.Text.Json;
using InferenceService.Engine.Serving;

namespace InferenceService.Endpoints;

/// <summary>The Open Inference Protocol request parameters this server acts on.</summary>
internal static class RequestParameters
{
    /// <summary>The name of the queue timeout parameter, in microseconds, as Triton reads it.</summary>
    public const string Timeout = "timeout";

    private const long MaxMicroseconds = 86_400_000_000;

    /// <summary>
    /// The queue timeout the request asks for (<c>parameters.timeout</c>, a whole number of microseconds), or null.
    /// The model decides whether to honour it: only when it allows overrides, and never for longer than its own.
    /// </summary>
    public static TimeSpan? QueueTimeout(IReadOnlyDictionary<string, JsonElement>? parameters)
    {
        if (parameters is null || !parameters.TryGetValue(Timeout, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var microseconds) || microseconds < 0)
        {
            throw InferenceException.InvalidInput("parameters.timeout must be a whole number of microseconds, 0 or more.");
        }
        // Past a day, any model's own timeout is shorter anyway; the cap keeps the conversion in range.
        return microseconds == 0 ? null : TimeSpan.FromMicroseconds(Math.Min(microseconds, MaxMicroseconds));
    }
}
