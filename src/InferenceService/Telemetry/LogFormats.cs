using System.Globalization;
using Serilog.Formatting;
using Serilog.Templates;

namespace InferenceService.Telemetry;

/// <summary>
/// The console's two formats, as Serilog.Expressions templates: <c>text</c>, a line a human reads (development), and
/// <c>json</c>, one JSON object per line for log collectors (containers). The JSON fields are <c>timestamp</c> (UTC,
/// ISO 8601), <c>level</c>, <c>category</c>, <c>eventId</c>, <c>message</c> (rendered), <c>exception</c> when there is
/// one, <c>TraceId</c> and <c>SpanId</c> for an event logged while a request is served (Serilog takes them from the
/// current activity: Microsoft.Extensions.Logging's activity tracking is not in Serilog's path), then every other
/// property of the event by name; a property named like one of the fixed fields keeps its value under '@' + its name
/// instead of replacing the field.
/// </summary>
internal static class LogFormats
{
    public const string Text = "text";
    public const string Json = "json";

    /// <summary>
    /// The request log's inference fields, which its message leaves out (they are not on every request), follow the
    /// message, so the line still shows the model, version, stage times and prediction id; other events show their
    /// message alone.
    /// </summary>
    public const string TextTemplate =
        "[{@t:HH:mm:ss} {@l:u3}] {SourceContext}: {@m}" +
        $"{{#if SourceContext = '{RequestLogging.Category}' and IsDefined(Model)}} (model {{Model}}" +
        "{#if Version is not null}, version {Version}{#end}" +
        "{#if QueueMs is not null}, queue {QueueMs:F2} ms, compute {ComputeMs:F2} ms, batch {BatchSize}{#end}" +
        "{#if PredictionId is not null}, prediction {PredictionId}{#end}){#end}\n{@x}";

    /// <summary>
    /// The <c>json</c> format as a Serilog.Expressions template: what <see cref="JsonLogFormatter"/> writes (the
    /// definition of its fields; the formatter is what the console uses).
    /// </summary>
    public const string JsonTemplate =
        "{ {timestamp: UtcDateTime(@t), level: @l, category: SourceContext, eventId: if EventId.Id <> 0 then EventId.Id else Undefined(), " +
        "message: @m, exception: @x, TraceId: Coalesce(TraceId, @tr), SpanId: Coalesce(SpanId, @sp), " +
        "'@timestamp': timestamp, '@level': level, '@category': category, '@eventId': eventId, '@message': message, '@exception': exception, " +
        "..rest()} }\n";

    /// <summary>The formatter for a <c>Logs:Format</c> value (empty means text); anything else stops the host.</summary>
    public static ITextFormatter For(string? format)
    {
        if (string.IsNullOrEmpty(format) || string.Equals(format, Text, StringComparison.OrdinalIgnoreCase))
        {
            return new ExpressionTemplate(TextTemplate, CultureInfo.InvariantCulture);
        }
        if (string.Equals(format, Json, StringComparison.OrdinalIgnoreCase))
        {
            // JsonTemplate's output, written directly: the template costs ~12 KB and 10 µs per request log line.
            return new JsonLogFormatter();
        }
        throw new InvalidOperationException($"{LoggingSetup.FormatKey} is \"{format}\"; it must be \"{Text}\" or \"{Json}\".");
    }
}
