using InferenceService.OnnxRuntime.Native;
using Microsoft.Extensions.Logging;

namespace InferenceService.OnnxRuntime;

/// <summary>
/// The process-wide ONNX Runtime environment: the loaded native library, its function table, the logging bridge and
/// the default CPU allocator and memory info. ONNX Runtime allows one environment per process, so this is a
/// singleton created on first use (or explicitly with <see cref="Initialize"/>) and kept for the life of the
/// process; it is never released, because sessions and values created from it may be finalized at any time.
/// </summary>
public sealed unsafe class OrtEnvironment
{
    private static readonly Lock s_gate = new();
    private static OrtEnvironment? s_instance;
    private static OrtApi? s_api;

    private readonly IntPtr _env;

    private OrtEnvironment(OrtApi api, string loadedFrom, OrtEnvironmentOptions options)
    {
        LibraryPath = loadedFrom;
        Version = api.RuntimeVersion;
        OrtLogBridge.Logger = options.LoggerFactory?.CreateLogger("OnnxRuntime");

        IntPtr env;
        fixed (byte* logId = Utf8.NullTerminated(options.LogId))
        {
            OrtException.ThrowIfFailed(api.CreateEnvWithCustomLogger((IntPtr)OrtLogBridge.Callback, IntPtr.Zero, (int)options.LogLevel, logId, &env));
        }
        _env = env;

        IntPtr allocator;
        OrtException.ThrowIfFailed(api.GetAllocatorWithDefaultOptions(&allocator));
        DefaultAllocator = allocator; // Owned by ONNX Runtime: never released.

        IntPtr memoryInfo;
        const int OrtDeviceAllocator = 0, OrtMemTypeDefault = 0;
        OrtException.ThrowIfFailed(api.CreateCpuMemoryInfo(OrtDeviceAllocator, OrtMemTypeDefault, &memoryInfo));
        CpuMemoryInfo = memoryInfo; // Lives as long as the environment.

        AvailableProviders = ReadAvailableProviders(api);
    }

    /// <summary>The environment, created with default options if <see cref="Initialize"/> was not called first.</summary>
    public static OrtEnvironment Instance
    {
        get
        {
            var instance = Volatile.Read(ref s_instance);
            return instance ?? Initialize(new OrtEnvironmentOptions());
        }
    }

    /// <summary>
    /// Creates the environment with <paramref name="options"/>. The native library and environment can only be chosen
    /// once per process: a second call returns the existing environment and only replaces the logger.
    /// </summary>
    public static OrtEnvironment Initialize(OrtEnvironmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (s_gate)
        {
            if (s_instance is not null)
            {
                if (options.LoggerFactory is not null)
                {
                    OrtLogBridge.Logger = options.LoggerFactory.CreateLogger("OnnxRuntime");
                }
                return s_instance;
            }
            var api = OrtApi.Load(options.LibraryPath, out var loadedFrom);
            s_api = api;
            var instance = new OrtEnvironment(api, loadedFrom, options);
            Volatile.Write(ref s_instance, instance);
            return instance;
        }
    }

    /// <summary>The ONNX Runtime version that was loaded, e.g. "1.30.0".</summary>
    public string Version { get; }

    /// <summary>The file the native library was loaded from.</summary>
    public string LibraryPath { get; }

    /// <summary>The execution providers compiled into the loaded ONNX Runtime build, in its order of preference.</summary>
    public IReadOnlyList<string> AvailableProviders { get; }

    /// <summary>The function table; touching it creates the environment with default options if needed.</summary>
    internal static OrtApi Api
    {
        get
        {
            if (s_api is null)
            {
                _ = Instance;
            }
            return s_api!;
        }
    }

    internal IntPtr Handle => _env;

    internal IntPtr DefaultAllocator { get; }

    internal IntPtr CpuMemoryInfo { get; }

    private static string[] ReadAvailableProviders(OrtApi api)
    {
        byte** names;
        int count;
        OrtException.ThrowIfFailed(api.GetAvailableProviders(&names, &count));
        try
        {
            var result = new string[count];
            for (var i = 0; i < count; i++)
            {
                result[i] = Utf8.Read(names[i]);
            }
            return result;
        }
        finally
        {
            OrtException.ThrowIfFailed(api.ReleaseAvailableProviders(names, count));
        }
    }
}
