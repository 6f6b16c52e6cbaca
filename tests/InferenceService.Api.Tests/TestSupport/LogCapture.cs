using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using InferenceService.Telemetry;
using Serilog.Core;
using Serilog.Events;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// A Serilog sink that keeps every event the service logs, registered as an <see cref="ILogEventSink"/> service so the
/// service's own logger writes to it (beside its console), with the levels and formatting of its configuration.
/// </summary>
public sealed class LogCapture : ILogEventSink
{
    public const string RequestLogCategory = RequestLogging.Category;

    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => _events.ToArray();

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    /// <summary>Every event as the JSON log lines the service writes in containers, one after the other.</summary>
    public string AsJsonLines()
    {
        var formatter = LogFormats.For(LogFormats.Json);
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        foreach (var logEvent in Events)
        {
            formatter.Format(logEvent, output);
        }
        return output.ToString();
    }

    /// <summary>
    /// Waits for the request log events that match (the event is written just after the answer is sent, so the
    /// client can read the answer a moment before it exists).
    /// </summary>
    public async Task<IReadOnlyList<LogEvent>> RequestEventsAsync(Func<LogEvent, bool> match, int expected = 1)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var found = Events.Where(e => Scalar(e, "SourceContext") as string == RequestLogCategory && match(e)).ToArray();
            if (found.Length >= expected || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                return found;
            }
            await Task.Delay(20);
        }
    }

    /// <summary>The value of a scalar property; null when the event has no such property.</summary>
    public static object? Scalar(LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue scalar ? scalar.Value : null;
}
