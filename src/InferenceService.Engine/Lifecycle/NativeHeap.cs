using System.Runtime.InteropServices;

namespace InferenceService.Engine.Lifecycle;

/// <summary>
/// Gives the memory of released sessions back to the operating system. ONNX Runtime allocates with malloc; glibc keeps
/// what is freed in its heaps (one per thread that allocated, and every session brings its own threads) rather than
/// returning it, so after an unload the resident memory would stay where it was and the next loads would add to it.
/// <c>malloc_trim</c> returns the free pages. Elsewhere (musl, macOS, Windows) it does not exist, and nothing is done.
/// </summary>
internal static class NativeHeap
{
    private static int s_unavailable;

    /// <summary>Returns free heap pages to the system, where the C library can; never throws.</summary>
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref s_unavailable) != 0)
        {
            return;
        }
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            Volatile.Write(ref s_unavailable, 1);
        }
    }

    // DllImport rather than LibraryImport: a blittable signature needs no generated marshalling, nor unsafe code.
    [DllImport("libc", EntryPoint = "malloc_trim", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);
}
