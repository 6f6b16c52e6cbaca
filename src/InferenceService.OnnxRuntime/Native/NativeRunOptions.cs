namespace InferenceService.OnnxRuntime.Native;

/// <summary>Native <c>OrtRunOptions</c>: one per run that has settings or can be cancelled.</summary>
internal static unsafe class NativeRunOptions
{
    public static OrtHandle Create(RunOptions? options)
    {
        var api = OrtEnvironment.Api;
        IntPtr raw;
        OrtException.ThrowIfFailed(api.CreateRunOptions(&raw));
        var handle = new OrtHandle(raw, api.ReleaseRunOptions);
        try
        {
            if (options?.Tag is { } tag)
            {
                fixed (byte* t = Utf8.NullTerminated(tag))
                {
                    OrtException.ThrowIfFailed(api.RunOptionsSetRunTag(raw, t));
                }
            }
            if (options?.LogLevel is { } level)
            {
                OrtException.ThrowIfFailed(api.RunOptionsSetRunLogSeverityLevel(raw, (int)level));
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Asks every run using these options to stop at its next check (between and inside operators).</summary>
    public static void Terminate(OrtHandle runOptions)
    {
        var status = OrtEnvironment.Api.RunOptionsSetTerminate(runOptions.DangerousGetHandle());
        if (status != IntPtr.Zero)
        {
            OrtEnvironment.Api.ReleaseStatus(status); // Only fails on a null pointer; nothing useful to report here.
        }
    }
}
