using Microsoft.Extensions.Logging;

namespace InferenceService.Engine.Lifecycle;

/// <summary>The lifecycle's log events.</summary>
public sealed partial class ModelLifecycle
{
    [LoggerMessage(Level = LogLevel.Information, Message = "ONNX Runtime {Version} loaded from {Path}; providers: {Providers}")]
    private static partial void LogRuntime(ILogger logger, string version, string path, string providers);

    [LoggerMessage(Level = LogLevel.Critical, Message = "ONNX Runtime could not be loaded; no model will be served: {Reason}")]
    private static partial void LogRuntimeMissing(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading the model repository (control mode {Mode}) from {Path}")]
    private static partial void LogLoading(ILogger logger, string mode, string path);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The model repository {Path} cannot be read: {Reason}")]
    private static partial void LogRepositoryUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model repository loaded: {Ready} of {Total} models ready")]
    private static partial void LogRepositoryLoaded(ILogger logger, int total, int ready);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} is named by ModelRepository:LoadModels but is not in the repository")]
    private static partial void LogStartupModelMissing(ILogger logger, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} is not served after startup: {Reason}")]
    private static partial void LogStartupLoadSkipped(ILogger logger, string model, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} version {Version} is loading ({Reason})")]
    private static partial void LogVersionLoading(ILogger logger, string model, long version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} version {Version} is ready in {ElapsedMs:F0} ms, {MemoryMiB:F1} MiB, on {Providers}")]
    private static partial void LogVersionReady(ILogger logger, string model, long version, double elapsedMs, double memoryMiB, string providers);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Model} version {Version} failed to load: {Reason}")]
    private static partial void LogVersionFailed(ILogger logger, string model, long version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} serves versions {Versions} ({Kept} kept as they were), swapped in after {ElapsedMs:F0} ms")]
    private static partial void LogModelLoaded(ILogger logger, string model, string versions, int kept, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Model} has an invalid configuration: {Problems}")]
    private static partial void LogConfigInvalid(ILogger logger, string model, string problems);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} is being unloaded ({Reason}): new requests are refused, admitted ones finish")]
    private static partial void LogModelUnloading(ILogger logger, string model, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} version {Version} is unloaded: {Reason}")]
    private static partial void LogVersionUnloaded(ILogger logger, string model, long version, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} version {Version} still had {Users} requests after {Seconds:0.#} s of draining; its sessions are released anyway")]
    private static partial void LogDrainTimedOut(ILogger logger, string model, long version, int users, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} ({Bytes} bytes) was evicted: the least recently used idle model, unloaded to stay within the memory budget")]
    private static partial void LogEvicted(ILogger logger, string model, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} changed in the repository; it is picked up once its files stop changing")]
    private static partial void LogPollChangeSeen(ILogger logger, string model);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Model} changed in the repository but could not be loaded: {Reason}")]
    private static partial void LogPollLoadFailed(ILogger logger, string model, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The repository poll failed: {Reason}")]
    private static partial void LogPollFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An upload's temporary folder could not be deleted: {Reason}")]
    private static partial void LogUploadNotDeleted(ILogger logger, string reason);
}
