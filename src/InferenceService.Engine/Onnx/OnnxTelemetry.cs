using System.Runtime.InteropServices;

namespace InferenceService.Engine.Onnx;

/// <summary>
/// Keeps ONNX Runtime from sending its usage telemetry. Its Linux builds (1.31 here) write a device id and an event
/// store under <c>$XDG_CACHE_HOME</c> (else <c>$HOME/.cache</c>) <c>/Microsoft/DeveloperTools/.onnxruntime</c> and
/// try to upload the events to Microsoft's collector from there: a server has no business phoning home, and a
/// read-only or shared home is no place for that store. The only switch those builds read is the environment variable
/// <c>ORT_DISABLE_TELEMETRY</c>, when an environment is created; Windows builds send through ETW, which
/// <c>OrtEnv.DisableTelemetryEvents</c> turns off afterwards.
/// </summary>
internal static class OnnxTelemetry
{
    public const string DisableVariable = "ORT_DISABLE_TELEMETRY";

    /// <summary>
    /// Sets <see cref="DisableVariable"/> in the process's native environment, which the native library reads (.NET's
    /// <see cref="Environment.SetEnvironmentVariable(string, string)"/> only changes its own copy on Unix). Called once,
    /// before the one ONNX Runtime environment is created. (<c>setenv</c> is not atomic against a <c>getenv</c> on
    /// another thread; glibc's first <c>setenv</c> of a process builds a new array and leaves the old one where a
    /// reader finds it, and nothing else here sets native variables.)
    /// </summary>
    public static void TurnOffBeforeEnvironment()
    {
        Environment.SetEnvironmentVariable(DisableVariable, "1"); // .NET's copy: what child processes inherit
        if (!OperatingSystem.IsWindows())
        {
            _ = SetEnv(DisableVariable, "1", overwrite: 1);
        }
    }

    // DllImport rather than LibraryImport, as in NativeHeap: no generated marshalling, nor unsafe code, for two strings.
    [DllImport("libc", EntryPoint = "setenv", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
