using System.Globalization;
using System.Text.Json;
using InferenceService.Telemetry;
using Serilog.Events;
using Serilog.Parsing;

namespace InferenceService.Api.Tests.Telemetry;

public class JsonLogFormatterTests
{
    private static JsonElement Format(LogEvent logEvent, out string text)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        new JsonLogFormatter().Format(logEvent, output);
        text = output.ToString();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static LogEvent Event(string template, Exception? exception, params LogEventProperty[] properties) =>
        new(new DateTimeOffset(2025, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(2)), LogEventLevel.Warning, exception,
            new MessageTemplateParser().Parse(template), properties);

    [Fact]
    public void Format_EventWithLineBreaksAndQuotes_WritesOneLineOfJson()
    {
        var logEvent = Event("Model {Model} failed: {Reason}", new InvalidOperationException("boom\nagain"),
            new LogEventProperty("Model", new ScalarValue("iris")),
            new LogEventProperty("Reason", new ScalarValue("a \"quoted\"\nreason")),
            new LogEventProperty("SourceContext", new ScalarValue("InferenceService.Engine.Serving.ModelRegistry")),
            new LogEventProperty("EventId", new StructureValue([new LogEventProperty("Id", new ScalarValue(7))])));

        var json = Format(logEvent, out var text);

        Assert.EndsWith("}\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text[..^1]);
        Assert.Equal("2025-03-04T03:06:07.8910000Z", json.GetProperty("timestamp").GetString());
        Assert.Equal("Warning", json.GetProperty("level").GetString());
        Assert.Equal("InferenceService.Engine.Serving.ModelRegistry", json.GetProperty("category").GetString());
        Assert.Equal(7, json.GetProperty("eventId").GetInt32());
        Assert.Equal("Model iris failed: a \"quoted\"\nreason", json.GetProperty("message").GetString());
        Assert.StartsWith("System.InvalidOperationException: boom\nagain", json.GetProperty("exception").GetString(), StringComparison.Ordinal);
        Assert.Equal("iris", json.GetProperty("Model").GetString());
        Assert.False(json.TryGetProperty("SourceContext", out _));
        Assert.False(json.TryGetProperty("EventId", out _));
    }

    [Fact]
    public void Format_NumbersNullsAndNames_KeepTheirJsonTypes()
    {
        var json = Format(Event("{Count} {Ratio} {Missing} {message}", null,
            new LogEventProperty("Count", new ScalarValue(3)),
            new LogEventProperty("Ratio", new ScalarValue(0.25)),
            new LogEventProperty("Missing", new ScalarValue(null)),
            new LogEventProperty("message", new ScalarValue("mine"))), out _);

        Assert.Equal(3, json.GetProperty("Count").GetInt32());
        Assert.Equal(0.25, json.GetProperty("Ratio").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("Missing").ValueKind);
        Assert.Equal("3 0.25 null mine", json.GetProperty("message").GetString());
        Assert.Equal("mine", json.GetProperty("@message").GetString()); // a property never overwrites a fixed field
        Assert.False(json.TryGetProperty("exception", out _));
        Assert.False(json.TryGetProperty("eventId", out _));
    }
}
