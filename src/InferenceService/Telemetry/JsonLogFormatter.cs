using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;

namespace InferenceService.Telemetry;

/// <summary>
/// One JSON object per line, for log collectors in containers: <c>timestamp</c> (UTC, ISO 8601), <c>level</c>,
/// <c>category</c>, <c>eventId</c>, <c>message</c> (rendered), <c>exception</c> when there is one, then every property
/// of the event by name (the request log's Method, Route, Model, StatusCode, ElapsedMs, TraceId, ...).
/// </summary>
internal sealed class JsonLogFormatter : ITextFormatter
{
    private static readonly HashSet<string> s_fixedNames = new(StringComparer.Ordinal) { "timestamp", "level", "category", "eventId", "message", "exception" };

    // ":lj": strings as they are, not quoted, as the text console shows them.
    private readonly MessageTemplateTextFormatter _message = new("{Message:lj}", CultureInfo.InvariantCulture);
    private readonly JsonValueFormatter _values = new(typeTagName: null);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(output);
        output.Write("{\"timestamp\":\"");
        output.Write(logEvent.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        output.Write("\",\"level\":\"");
        output.Write(logEvent.Level.ToString());
        output.Write('"');
        if (logEvent.Properties.TryGetValue("SourceContext", out var category) && category is ScalarValue { Value: string categoryName })
        {
            output.Write(",\"category\":");
            JsonValueFormatter.WriteQuotedJsonString(categoryName, output);
        }
        if (logEvent.Properties.TryGetValue("EventId", out var eventId) && eventId is StructureValue structure
            && structure.Properties.FirstOrDefault(p => p.Name == "Id")?.Value is ScalarValue { Value: int id } && id != 0)
        {
            output.Write(",\"eventId\":");
            output.Write(id.ToString(CultureInfo.InvariantCulture));
        }
        output.Write(",\"message\":");
        var message = new StringWriter(CultureInfo.InvariantCulture);
        _message.Format(logEvent, message);
        JsonValueFormatter.WriteQuotedJsonString(message.ToString(), output);
        if (logEvent.Exception is not null)
        {
            output.Write(",\"exception\":");
            JsonValueFormatter.WriteQuotedJsonString(logEvent.Exception.ToString(), output);
        }
        foreach (var (name, value) in logEvent.Properties)
        {
            if (name is "SourceContext" or "EventId")
            {
                continue;
            }
            output.Write(',');
            // A property named like one of the fixed fields keeps its value under '@' + name rather than a duplicate key.
            JsonValueFormatter.WriteQuotedJsonString(s_fixedNames.Contains(name) ? "@" + name : name, output);
            output.Write(':');
            _values.Format(value, output);
        }
        output.Write("}\n");
    }
}
