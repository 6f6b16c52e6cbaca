namespace InferenceService.Engine.Jobs;

/// <summary>How a run of a job ended.</summary>
public enum JobRunOutcome
{
    /// <summary>Every row of the range is in the output or the errors file.</summary>
    Completed,

    /// <summary>Stopped on request (cancel or shutdown): the rows done so far are checkpointed.</summary>
    Stopped,

    /// <summary>The job failed (too many bad rows, the model went away): see the error.</summary>
    Failed,
}

/// <summary>The end of a run: how, the last checkpoint, and the error when it failed.</summary>
public readonly record struct JobRunResult(JobRunOutcome Outcome, JobCheckpoint Checkpoint, string? Error);
