namespace InferenceService.Engine.Scheduling;

/// <summary>
/// Told about every Run the scheduler makes (once per batch, not once per request), for telemetry. Called on the
/// thread that ran the batch, so an implementation must be quick and must not throw.
/// </summary>
public interface IBatchObserver
{
    void OnBatchExecuted(in BatchExecution batch);
}

/// <summary>One Run of a model version.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Version">The model's version.</param>
/// <param name="BatchSize">Rows in the Run (the batch dimension; 1 for a model that is not batched).</param>
/// <param name="Requests">Requests that shared the Run.</param>
/// <param name="Gather">Time spent gathering inputs into the batch tensors.</param>
/// <param name="Run">Time spent in ONNX Runtime's Run.</param>
/// <param name="Scatter">Time spent splitting outputs back to the requests.</param>
/// <param name="Succeeded">Whether the Run succeeded.</param>
public readonly record struct BatchExecution(string Model, long Version, int BatchSize, int Requests, TimeSpan Gather, TimeSpan Run, TimeSpan Scatter, bool Succeeded);
