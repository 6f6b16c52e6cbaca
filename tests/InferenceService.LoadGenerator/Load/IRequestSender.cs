using InferenceService.LoadGenerator.Measurement;

namespace InferenceService.LoadGenerator.Load;

/// <summary>Sends the run's one request once and records its outcome; never throws for a failed request (a failure is a measurement).</summary>
internal interface IRequestSender
{
    Task SendAsync(StepRecorder recorder, CancellationToken cancellationToken);
}
