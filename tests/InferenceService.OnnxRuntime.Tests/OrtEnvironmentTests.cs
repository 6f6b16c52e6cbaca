using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceService.OnnxRuntime.Tests;

/// <summary>
/// The environment is a process singleton created by whichever test touches it first, with the default log level
/// (Warning). Initialize can still replace the logger, which is what the log tests do; each one puts a null logger
/// back when it ends, and filters what it recorded by a log id of its own, since other tests run meanwhile.
/// </summary>
public sealed class OrtEnvironmentTests : IDisposable
{
    public void Dispose() => OrtEnvironment.Initialize(new OrtEnvironmentOptions { LoggerFactory = NullLoggerFactory.Instance });

    [Fact]
    public void Version_LoadedLibrary_Is1_30_0() => Assert.Equal("1.30.0", OrtEnvironment.Instance.Version);

    [Fact]
    public void LibraryPath_NoOverride_IsTheCopyNextToTheTestBinaries()
    {
        // ONNXRUNTIME_LIBRARY_PATH, when set, wins over the copy the build places next to the binaries.
        var expected = Environment.GetEnvironmentVariable("ONNXRUNTIME_LIBRARY_PATH") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1");

        Assert.Equal(expected, OrtEnvironment.Instance.LibraryPath);
        Assert.True(File.Exists(OrtEnvironment.Instance.LibraryPath));
    }

    [Fact]
    public void AvailableProviders_NpmBuild_EndWithTheCpuProvider()
    {
        var providers = OrtEnvironment.Instance.AvailableProviders;

        Assert.Equal(CpuExecutionProvider.ProviderName, providers[^1]);
        Assert.Equal(providers.Count, providers.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Initialize_AfterFirstUse_ReturnsTheSameEnvironment()
    {
        var first = OrtEnvironment.Instance;

        var second = OrtEnvironment.Initialize(new OrtEnvironmentOptions { LibraryPath = "/nonexistent/libonnxruntime.so" });

        Assert.Same(first, second);
        Assert.Same(first, OrtEnvironment.Instance);
        Assert.NotEqual("/nonexistent/libonnxruntime.so", second.LibraryPath);
    }

    [Fact]
    public void Initialize_NullOptions_ThrowsArgumentNull() =>
        Assert.Throws<ArgumentNullException>(() => OrtEnvironment.Initialize(null!));

    // ---- The log bridge ------------------------------------------------------------------------------------------

    [Fact]
    public void LoggerFactory_KernelFailureAtTheDefaultLevel_ArrivesAsAnErrorWithSessionIdAndRunTag()
    {
        var logId = $"log-test-{Guid.NewGuid():N}";
        var factory = new RecordingLoggerFactory();
        OrtEnvironment.Initialize(new OrtEnvironmentOptions { LoggerFactory = factory });
        using var session = InferenceSession.Create(TestModels.TwoInputsTwoOutputs, TestModels.SingleThreaded with { LogId = logId });
        using var a = OrtValue.CreateTensor<float>(new float[4], [1, 4]);

        Assert.Throws<OrtException>(() => session.Run(["a"], [a], ["sum"], new RunOptions { Tag = "request-42" }));

        var entry = Assert.Single(factory.Entries, e => e.Value("OrtLogId") == $"{logId}:request-42");
        Assert.Equal("OnnxRuntime", entry.Category);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Equal("onnxruntime", entry.Value("OrtCategory"));
        Assert.Contains("Missing Input: b", entry.Value("OrtMessage"), StringComparison.Ordinal);
        Assert.Contains("sequential_executor", entry.Value("OrtCodeLocation"), StringComparison.Ordinal);
        Assert.Contains($"{logId}:request-42", entry.Message, StringComparison.Ordinal);
        Assert.Contains("Missing Input: b", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunOptionsLogLevel_Fatal_SilencesTheErrorOfThatRun()
    {
        var logId = $"log-test-{Guid.NewGuid():N}";
        var factory = new RecordingLoggerFactory();
        OrtEnvironment.Initialize(new OrtEnvironmentOptions { LoggerFactory = factory });
        using var session = InferenceSession.Create(TestModels.TwoInputsTwoOutputs, TestModels.SingleThreaded with { LogId = logId });
        using var a = OrtValue.CreateTensor<float>(new float[4], [1, 4]);

        Assert.Throws<OrtException>(() => session.Run(["a"], [a], ["sum"], new RunOptions { Tag = "quiet", LogLevel = OrtLogLevel.Fatal }));
        Assert.Throws<OrtException>(() => session.Run(["a"], [a], ["sum"], new RunOptions { Tag = "loud" }));

        Assert.DoesNotContain(factory.Entries, e => e.Value("OrtLogId") == $"{logId}:quiet");
        Assert.Single(factory.Entries, e => e.Value("OrtLogId") == $"{logId}:loud");
    }

    [Fact]
    public void SessionLogLevel_Verbose_BringsOnnxRuntimeInfoAndVerboseMessagesOfThatSessionOnly()
    {
        var verboseId = $"log-test-{Guid.NewGuid():N}";
        var defaultId = $"log-test-{Guid.NewGuid():N}";
        var factory = new RecordingLoggerFactory();
        OrtEnvironment.Initialize(new OrtEnvironmentOptions { LoggerFactory = factory });

        using (InferenceSession.Create(TestModels.TwoInputsTwoOutputs, TestModels.SingleThreaded with { LogId = verboseId, LogLevel = OrtLogLevel.Verbose }))
        using (InferenceSession.Create(TestModels.TwoInputsTwoOutputs, TestModels.SingleThreaded with { LogId = defaultId }))
        {
        }

        var verbose = factory.Entries.Where(e => e.Value("OrtLogId") == verboseId).ToList();
        Assert.Contains(verbose, e => e.Level == LogLevel.Information && e.Value("OrtMessage") == "Initializing session.");
        Assert.Contains(verbose, e => e.Level == LogLevel.Trace);
        Assert.All(verbose, e => Assert.Equal("OnnxRuntime", e.Category));
        Assert.DoesNotContain(factory.Entries, e => e.Value("OrtLogId") == defaultId); // Warning level: creation is silent
    }

    [Fact]
    public void SessionLogLevel_Warning_KeepsCreationSilent()
    {
        var logId = $"log-test-{Guid.NewGuid():N}";
        var factory = new RecordingLoggerFactory();
        OrtEnvironment.Initialize(new OrtEnvironmentOptions { LoggerFactory = factory });

        using (InferenceSession.Create(TestModels.TwoInputsTwoOutputs, TestModels.SingleThreaded with { LogId = logId, LogLevel = OrtLogLevel.Warning }))
        {
        }

        Assert.DoesNotContain(factory.Entries, e => e.Value("OrtLogId") == logId);
    }

    [Fact]
    public void SessionLogLevel_NotAnOnnxRuntimeLevel_ThrowsFailWhenCreated()
    {
        var options = new SessionOptions { LogLevel = (OrtLogLevel)9 };

        var e = Assert.Throws<OrtException>(() => InferenceSession.Create(TestModels.Identity("float"), options));

        Assert.Equal(OrtErrorCode.Fail, e.ErrorCode); // ONNX Runtime checks it (an ORT_ENFORCE) when it builds the session
        Assert.Contains("Invalid session log severity level", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoggerFactory_LoggerThatThrows_DoesNotDisturbOnnxRuntime()
    {
        var factory = new ThrowingLoggerFactory();
        OrtEnvironment.Initialize(new OrtEnvironmentOptions { LoggerFactory = factory });
        using var session = TestModels.Open(TestModels.TwoInputsTwoOutputs);
        using var a = OrtValue.CreateTensor<float>(new float[] { 1, 2, 3, 4 }, [1, 4]);

        var e = Assert.Throws<OrtException>(() => session.Run(["a"], [a], ["sum"]));

        Assert.Equal(OrtErrorCode.Fail, e.ErrorCode);
        Assert.True(factory.Calls > 0, "the logger was never called");
        using var outputs = session.RunOwned(["a", "b"], [a, a], ["sum"]);
        Assert.Equal([2f, 4, 6, 8], outputs[0].GetTensorData<float>().ToArray());
    }
}
