using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Tests.Tensors;

/// <summary>Parsing and writing helpers for the tensor tests.</summary>
internal static class TestJson
{
    /// <summary>The root of <paramref name="json"/>, detached from its document.</summary>
    public static JsonElement Parse(string json, int maxDepth = 64)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = maxDepth });
        return document.RootElement.Clone();
    }

    /// <summary>What <paramref name="write"/> writes, as text; non-ASCII is left unescaped so expectations stay readable.</summary>
    public static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Asserts that <paramref name="action"/> fails as the client's mistake, with exactly <paramref name="message"/>.</summary>
    public static void AssertInvalid(string message, Action action)
    {
        var error = Assert.Throws<InferenceException>(action);
        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        Assert.Equal(message, error.Message);
    }
}
