using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Onnx;

/// <summary>
/// The process-wide ONNX Runtime environment (<see cref="OrtEnv"/>), created once with our logging callback, and the
/// one place that knows which native library was loaded. ONNX Runtime allows one environment per process, so this is
/// a singleton for the life of the process: created on first use, or explicitly with <see cref="Initialize"/> first.
/// </summary>
public sealed class OnnxRuntimeEnvironment
{
    /// <summary>The name the package's P/Invoke declarations load the native library by.</summary>
    private const string NativeLibraryName = "onnxruntime";

    private static readonly Lock s_gate = new();
    private static OnnxRuntimeEnvironment? s_instance;

    private OnnxRuntimeEnvironment(string? libraryPath, OrtEnv env)
    {
        LibraryPath = libraryPath;
        Version = env.GetVersionString();
        AvailableProviders = env.GetAvailableProviders();
    }

    /// <summary>The environment, created with default options if <see cref="Initialize"/> was not called first.</summary>
    public static OnnxRuntimeEnvironment Instance => Volatile.Read(ref s_instance) ?? Initialize(new OnnxRuntimeEnvironmentOptions());

    /// <summary>
    /// Creates the environment with <paramref name="options"/>. The native library and the environment are chosen once
    /// per process: a later call returns the existing environment and only replaces the logger.
    /// </summary>
    /// <exception cref="InvalidOperationException">A library path was given after ONNX Runtime was already in use.</exception>
    public static OnnxRuntimeEnvironment Initialize(OnnxRuntimeEnvironmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (s_gate)
        {
            if (options.LoggerFactory is not null)
            {
                OnnxLogBridge.Logger = options.LoggerFactory.CreateLogger("OnnxRuntime");
            }
            if (s_instance is not null)
            {
                return s_instance;
            }
            var libraryPath = string.IsNullOrWhiteSpace(options.LibraryPath) ? null : Path.GetFullPath(options.LibraryPath);
            if (libraryPath is not null)
            {
                LoadNativeLibraryFrom(libraryPath);
            }
            var creation = new EnvironmentCreationOptions
            {
                logId = options.LogId,
                logLevel = (OrtLoggingLevel)options.LogLevel,
                loggingFunction = OnnxLogBridge.Callback,
            };
            if (!options.Telemetry)
            {
                OnnxTelemetry.TurnOffBeforeEnvironment();
            }
            var env = OrtEnv.CreateInstanceWithOptions(ref creation);
            if (!options.Telemetry)
            {
                env.DisableTelemetryEvents();
            }
            var instance = new OnnxRuntimeEnvironment(libraryPath, env);
            Volatile.Write(ref s_instance, instance);
            return instance;
        }
    }

    /// <summary>The ONNX Runtime version that was loaded, e.g. "1.31.0".</summary>
    public string Version { get; }

    /// <summary>The custom native library in use (<see cref="OnnxRuntimeEnvironmentOptions.LibraryPath"/>); null: the package's.</summary>
    public string? LibraryPath { get; }

    /// <summary>The execution providers compiled into the loaded build, in its order of preference.</summary>
    public IReadOnlyList<string> AvailableProviders { get; }

    /// <summary>
    /// The folders where ONNX Runtime looks for its provider libraries (libonnxruntime_providers_cuda.so, …): the
    /// custom library's folder, else where the package's native files land (next to the app when published for one
    /// platform, else under runtimes/&lt;rid&gt;/native).
    /// </summary>
    internal IEnumerable<string> NativeDirectories()
    {
        if (LibraryPath is not null)
        {
            yield return Path.GetDirectoryName(LibraryPath)!;
            yield break;
        }
        yield return AppContext.BaseDirectory;
        yield return Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
    }

    private static void LoadNativeLibraryFrom(string libraryPath)
    {
        if (!File.Exists(libraryPath))
        {
            throw new InvalidOperationException($"The ONNX Runtime library '{libraryPath}' does not exist.");
        }
        // The package registers its own resolver the first time any of its native methods is touched; ours must come
        // first, and a resolver can be set only once per assembly.
        OrtEnv.DisableDllImportResolver = true;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly, (name, _, _) =>
                name == NativeLibraryName ? NativeLibrary.Load(libraryPath) : IntPtr.Zero);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException(
                "ONNX Runtime was already in use in this process, so its library can no longer be chosen; set the library path before the first model loads.", e);
        }
    }
}
