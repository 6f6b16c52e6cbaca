using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using InferenceService.Contracts;
using InferenceService.Engine.Serving;
using InferenceService.Telemetry;

namespace InferenceService.Endpoints;

/// <summary>Writes an answer's JSON from a result, synchronously, into a writer over the response.</summary>
internal delegate void AnswerWriter(Utf8JsonWriter writer, InferenceResult result, string id, OutputChoices? choices);

/// <summary>
/// What the answer needs from the request besides its result: the id the client gave (or none), its inline targets,
/// and (Open Inference Protocol) how it wants its outputs written.
/// </summary>
internal readonly record struct AnswerRequest(string? Id, InlineTargets Targets, OutputChoices? Choices = null);

/// <summary>
/// What both inference APIs do once a request is decoded: queue it (handing back its place held at the door), and
/// once it ran, stamp the prediction id, record the prediction for accuracy and write the answer straight from the
/// output tensors; the stage times go into the request's <see cref="InferenceRecord"/>.
/// </summary>
internal static class InferenceFlow
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    // Where the cached writer points between requests: never written to (a writer only asks its output for memory
    // when it writes), so one is shared by every thread.
    private static readonly System.Buffers.ArrayBufferWriter<byte> s_detached = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// Queues the request. Its place held at the door is handed back just before: the scheduler counts it from then
    /// on (handing it back after would count the request twice for a moment, and refuse a request the queue has room
    /// for).
    /// </summary>
    public static Task<InferenceResult> Enqueue(InferenceServices services, DecodedRequest request, InferenceAdmission? admission, TimeSpan? queueTimeout, CancellationToken cancellationToken)
    {
        admission?.Release();
        return services.Pipeline.InferAsync(request, cancellationToken, queueTimeout);
    }

    /// <summary>A refusal found after the door (the queue filled meanwhile, or /predict named its model in its body) goes into the overload log too.</summary>
    public static void CountRefusal(InferenceServices services, InferenceRecord record, InferenceException error)
    {
        if (error.Kind == InferenceErrorKind.Overloaded)
        {
            services.Overload.Refused(record.Model ?? "(any)", error.Message);
        }
    }

    public static async Task AnswerAsync(HttpContext context, InferenceServices services, InferenceRecord record, Task<InferenceResult> running, AnswerRequest request, AnswerWriter write)
    {
        using var result = await running.ConfigureAwait(false);
        var completed = Stopwatch.GetTimestamp();
        record.EngineCompleted = completed;
        record.Timings = result.Timings;
        var id = string.IsNullOrEmpty(request.Id) ? PredictionIds.New() : request.Id;
        // Before the answer is written and its tensors disposed: what feedback needs is copied out, and inline
        // targets are scored now (targets that do not fit the outputs are the client's 400, before any answer).
        services.Accuracy.Record(result, id, request.Targets.Value, request.Targets.Name);
        record.PredictionId = PredictionIds.HeaderValue(id);
        var response = context.Response;
        response.Headers[PredictionIds.HeaderName] = record.PredictionId;
        if (InferenceResponseWriter.HasBinary(result, request.Choices))
        {
            InferenceResponseWriter.WriteBinary(response, result, id, request.Choices!);
            await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            record.Encode = Stopwatch.GetElapsedTime(completed);
            return;
        }
        response.ContentType = "application/json; charset=utf-8";
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(response.BodyWriter, s_writerOptions);
        }
        else
        {
            writer.Reset(response.BodyWriter);
        }
        try
        {
            write(writer, result, id, request.Choices);
            writer.Flush();
        }
        finally
        {
            // The cached writer must not keep the response alive (or write into it) once this request is done.
            writer.Reset(s_detached);
        }
        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        record.Encode = Stopwatch.GetElapsedTime(completed);
    }
}
