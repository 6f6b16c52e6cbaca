namespace InferenceService.Engine.Scheduling;

/// <summary>
/// Where one request's time went inside the engine, and the Run it shared with others.
/// </summary>
/// <param name="Queue">From admission until its batch was handed to a session instance.</param>
/// <param name="Gather">Copying the batch's inputs into one tensor per input (zero when the request ran alone).</param>
/// <param name="Run">ONNX Runtime's Run of the whole batch.</param>
/// <param name="Scatter">Splitting the batch's outputs back to its requests.</param>
/// <param name="BatchSize">Rows in the Run (the batch dimension), this request's included.</param>
/// <param name="BatchRequests">Requests that shared the Run, this one included.</param>
public readonly record struct StageTimings(TimeSpan Queue, TimeSpan Gather, TimeSpan Run, TimeSpan Scatter, int BatchSize, int BatchRequests);
