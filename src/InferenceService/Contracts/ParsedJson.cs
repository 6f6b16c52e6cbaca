using System.Buffers;
using System.Text.Json;

namespace InferenceService.Contracts;

/// <summary>
/// A request body's JSON document and the text it was parsed from: the body itself, or, when inputs' data was lifted
/// out of it (<see cref="LiftedInputData"/>), a lighter pooled copy without that data, which the document reads in
/// place and which goes back to the pool with it.
/// </summary>
internal readonly struct ParsedJson : IDisposable
{
    private readonly byte[]? _compacted;

    private ParsedJson(JsonDocument document, ReadOnlyMemory<byte> text, LiftedInputData? lifted, byte[]? compacted)
    {
        Document = document;
        Text = text;
        Lifted = lifted;
        _compacted = compacted;
    }

    public JsonDocument Document { get; }

    /// <summary>The text the document was parsed from (its elements are views into it).</summary>
    public ReadOnlyMemory<byte> Text { get; }

    /// <summary>The inputs' data read from the body's text instead; null when none was.</summary>
    public LiftedInputData? Lifted { get; }

    /// <summary>Parses the first <paramref name="jsonLength"/> bytes of <paramref name="body"/>, lifting the inputs' number arrays out first where <paramref name="layout"/> keeps them.</summary>
    /// <exception cref="JsonException">The body is not valid JSON (the body's own error, at its own position).</exception>
    public static ParsedJson Parse(byte[] body, int jsonLength, JsonDocumentOptions options, InputDataLayout layout)
    {
        var json = body.AsMemory(0, jsonLength);
        var maxDepth = options.MaxDepth > 0 ? options.MaxDepth : 64; // the parser's default
        if ((layout == InputDataLayout.None ? null : LiftedInputData.Find(json.Span, layout, maxDepth)) is not { } lifted)
        {
            return new ParsedJson(JsonDocument.Parse(json, options), json, null, null);
        }
        var compacted = ArrayPool<byte>.Shared.Rent(lifted.CompactedLength);
        lifted.WriteCompacted(json.Span, compacted);
        var text = compacted.AsMemory(0, lifted.CompactedLength);
        try
        {
            return new ParsedJson(JsonDocument.Parse(text, options), text, lifted, compacted);
        }
        catch (JsonException)
        {
            ArrayPool<byte>.Shared.Return(compacted);
            // The lighter text is invalid exactly where the body is: the body's own parse names the place.
            JsonDocument.Parse(json, options).Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Document?.Dispose();
        if (_compacted is not null)
        {
            ArrayPool<byte>.Shared.Return(_compacted);
        }
    }
}
