using InferenceService.Engine.Scheduling;
using InferenceService.Engine;
using InferenceService.Engine.Serving;

namespace InferenceService.Telemetry;

/// <summary>
/// What one inference request's flow learned, for its log line, metrics and span. Made and written only by the
/// endpoint's flow (<see cref="Endpoints.InferenceFlow"/>), as it goes, so that a request that fails midway still has
/// what was known; read once the answer is known by <see cref="InferenceTelemetry"/> and the request log.
/// </summary>
internal sealed class InferenceRecord
{
    /// <summary>The model the request named (as the client wrote it: it may not exist).</summary>
    public string? Model { get; set; }

    /// <summary>The version that served it; null until the model was resolved.</summary>
    public string? Version { get; set; }

    /// <summary>The engine's stage timings and batch size; null when the request did not reach a Run.</summary>
    public StageTimings? Timings { get; set; }

    /// <summary>Reading, parsing, checking and decoding the body into input tensors.</summary>
    public TimeSpan Decode { get; set; }

    /// <summary>Writing the answer.</summary>
    public TimeSpan Encode { get; set; }

    /// <summary>
    /// When the engine handed the result back (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), the end of the
    /// batch's scatter: the queue and Run spans are laid out backwards from it.
    /// </summary>
    public long? EngineCompleted { get; set; }

    /// <summary>The prediction id of the answer, as its header carries it (printable ASCII).</summary>
    public string? PredictionId { get; set; }

    /// <summary>The kind of error the request was answered with; null when it was not (or failed unexpectedly).</summary>
    public InferenceErrorKind? Error { get; set; }

    /// <summary>
    /// The answer's status in HTTP terms where the wire status is not it: a gRPC call is HTTP 200 whatever its
    /// grpc-status, so its flow sets the HTTP status of its error (<see cref="Errors.InferenceErrors"/>) here, and
    /// metrics, spans and the request log read the outcome from it. Null: the response's status code.
    /// </summary>
    public int? AnswerStatus { get; set; }

    /// <summary>The response's status, or <see cref="AnswerStatus"/> where the flow set it.</summary>
    public static int StatusOf(HttpContext context) => Of(context)?.AnswerStatus ?? context.Response.StatusCode;

    /// <summary>Starts the record of a request and attaches it to the request, where telemetry reads it.</summary>
    public static InferenceRecord Start(HttpContext context, string? model)
    {
        var record = new InferenceRecord { Model = model };
        context.Features.Set(record);
        return record;
    }

    public static InferenceRecord? Of(HttpContext context) => context.Features.Get<InferenceRecord>();
}
