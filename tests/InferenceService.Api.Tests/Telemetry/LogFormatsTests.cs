using System.Globalization;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Telemetry;
using Serilog.Events;
using Serilog.Parsing;

namespace InferenceService.Api.Tests.Telemetry;

public class LogFormatsTests
{
    private static string Format(string format, LogEvent logEvent)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        LogFormats.For(format).Format(logEvent, output);
        return output.ToString();
    }

    private static JsonElement Json(LogEvent logEvent, out string text)
    {
        text = Format(LogFormats.Json, logEvent);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static LogEvent Event(string template, Exception? exception, params LogEventProperty[] properties) =>
        new(new DateTimeOffset(2025, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(2)), LogEventLevel.Warning, exception,
            new MessageTemplateParser().Parse(template), properties);

    private static LogEventProperty Property(string name, object? value) => new(name, new ScalarValue(value));

    [Fact]
    public void Json_EventWithLineBreaksAndQuotes_WritesOneLineOfJson()
    {
        var logEvent = Event("Model {Model} failed: {Reason}", new InvalidOperationException("boom\nagain"),
            Property("Model", "iris"),
            Property("Reason", "a \"quoted\"\nreason"),
            Property("SourceContext", "InferenceService.Engine.Serving.ModelRegistry"),
            new LogEventProperty("EventId", new StructureValue([Property("Id", 7)])));

        var json = Json(logEvent, out var text);

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
    public void Json_NumbersNullsAndNames_KeepTheirJsonTypes()
    {
        var json = Json(Event("{Count} {Ratio} {Missing} {message}", null,
            Property("Count", 3),
            Property("Ratio", 0.25),
            Property("Missing", null),
            Property("message", "mine")), out _);

        Assert.Equal(3, json.GetProperty("Count").GetInt32());
        Assert.Equal(0.25, json.GetProperty("Ratio").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("Missing").ValueKind);
        Assert.Equal("3 0.25 null mine", json.GetProperty("message").GetString());
        Assert.Equal("mine", json.GetProperty("@message").GetString()); // a property never overwrites a fixed field
        Assert.False(json.TryGetProperty("exception", out _));
        Assert.False(json.TryGetProperty("eventId", out _));
    }

    [Fact]
    public void Json_RequestLikeEvent_WritesWhatTheTemplateDefines()
    {
        var logEvent = Event("HTTP {Method} {Route} answered {StatusCode} in {ElapsedMs:F2} ms; trace {TraceId}", new InvalidOperationException("boom"),
            Property("Method", "POST"),
            Property("Route", "/predict"),
            Property("StatusCode", 200),
            Property("ElapsedMs", 6.334186),
            Property("TraceId", "41b2"),
            Property("SourceContext", RequestLogging.Category),
            Property("Model", "iris \"quoted\""),
            Property("QueueMs", null),
            Property("Ok", true),
            Property("level", "mine"),
            new LogEventProperty("Tags", new SequenceValue([new ScalarValue(1), new ScalarValue("two")])),
            new LogEventProperty("EventId", new StructureValue([Property("Id", 7), Property("Name", "Done")])));
        using var template = new StringWriter(CultureInfo.InvariantCulture);
        new Serilog.Templates.ExpressionTemplate(LogFormats.JsonTemplate, CultureInfo.InvariantCulture).Format(logEvent, template);

        var json = Json(logEvent, out var text);

        JsonCompare.Equal(template.ToString(), json);
        Assert.Equal("HTTP POST /predict answered 200 in 6.33 ms; trace 41b2", json.GetProperty("message").GetString());
        Assert.EndsWith("}\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_EventIdZero_LeavesTheFieldOut()
    {
        var json = Json(Event("Started", null, new LogEventProperty("EventId", new StructureValue([Property("Id", 0), Property("Name", "Start")]))), out _);

        Assert.False(json.TryGetProperty("eventId", out _));
    }

    [Fact]
    public void Text_RequestEventOfAnInference_AppendsTheInferenceFieldsToTheMessage()
    {
        var text = Format(LogFormats.Text, Event("HTTP {Method} answered", null,
            Property("Method", "POST"),
            Property("SourceContext", RequestLogging.Category),
            Property("Model", "iris"), Property("Version", "2"), Property("QueueMs", 0.126), Property("ComputeMs", 1.5),
            Property("BatchSize", 4), Property("PredictionId", "p-1")));

        Assert.Equal($"[05:06:07 WRN] {RequestLogging.Category}: HTTP POST answered (model iris, version 2, queue 0.13 ms, compute 1.50 ms, batch 4, prediction p-1)\n", text);
    }

    [Fact]
    public void Text_RequestEventWithoutAVersionOrARun_NamesOnlyTheModel()
    {
        var text = Format(LogFormats.Text, Event("HTTP answered", null,
            Property("SourceContext", RequestLogging.Category),
            Property("Model", "iris"), Property("Version", null), Property("QueueMs", null), Property("ComputeMs", null),
            Property("BatchSize", null), Property("PredictionId", null)));

        Assert.Equal($"[05:06:07 WRN] {RequestLogging.Category}: HTTP answered (model iris)\n", text);
    }

    [Fact]
    public void Text_OtherEvent_IsTheMessageAloneAndTheException()
    {
        var text = Format(LogFormats.Text, Event("Model {Model} is ready", new InvalidOperationException("boom"),
            Property("SourceContext", "InferenceService.Engine.Serving.ModelRegistry"), Property("Model", "iris")));

        Assert.StartsWith("[05:06:07 WRN] InferenceService.Engine.Serving.ModelRegistry: Model iris is ready\nSystem.InvalidOperationException: boom", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("jsonl")]
    public void For_UnknownFormat_Throws(string format) =>
        Assert.Throws<InvalidOperationException>(() => LogFormats.For(format));
}
