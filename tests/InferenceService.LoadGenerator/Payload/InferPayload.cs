namespace InferenceService.LoadGenerator.Payload;

/// <summary>
/// The one request body every request of a run sends, serialized once: the client's own cost per request stays
/// constant and small, so what is measured is the server.
/// </summary>
/// <param name="Body">UTF-8 JSON, an Open Inference Protocol infer request (then its binary tensor data, with <paramref name="HeaderLength"/>).</param>
/// <param name="RowsPerRequest">The first (batch) dimension of the first input: rows per request, for rows per second.</param>
/// <param name="Source">Where it came from: the file's path, or "generated".</param>
/// <param name="HeaderLength">The JSON's length when binary tensor data follows it (sent as Inference-Header-Content-Length); null for JSON.</param>
internal sealed record InferPayload(byte[] Body, long RowsPerRequest, string Source, int? HeaderLength = null);
