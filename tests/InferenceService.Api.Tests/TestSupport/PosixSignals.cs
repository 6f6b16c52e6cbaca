using System.Runtime.InteropServices;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// Signals sent with the kill(2) system call itself. Starting a <c>kill</c> process instead takes tens of milliseconds
/// on a busy machine, long enough for a draining server to answer everything it had admitted before the test even
/// knows the signal was sent.
/// </summary>
internal static class PosixSignals
{
    private const int SigTerm = 15;

    public static void Terminate(int processId)
    {
        if (kill(processId, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
