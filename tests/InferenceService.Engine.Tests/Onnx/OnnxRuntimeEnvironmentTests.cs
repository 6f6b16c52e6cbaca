using InferenceService.Engine.Onnx;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Tests.Onnx;

/// <summary>
/// The environment is a process singleton created by whichever test touches it first, with the default log level
/// (Warning). Initialize can still replace the logger, which is what the log tests do; each one puts a null logger
/// back when it ends, and filters what it recorded by a log id of its own, since other tests run meanwhile.
/// </summary>
public sealed class OnnxRuntimeEnvironmentTests : IDisposable
{
    public void Dispose() => OnnxRuntimeEnvironment.Initialize(new OnnxRuntimeEnvironmentOptions { LoggerFactory = NullLoggerFactory.Instance });

    [Fact]
    public void Version_LoadedLibrary_IsThePackagesVersion() => Assert.Equal("1.31.0", OnnxRuntimeEnvironment.Instance.Version);

    [Fact]
    public void LibraryPath_NoOverride_IsThePackagesOwn() => Assert.Null(OnnxRuntimeEnvironment.Instance.LibraryPath);

    [Fact]
    public void AvailableProviders_EitherFlavour_EndWithTheCpuProvider()
    {
        var providers = OnnxRuntimeEnvironment.Instance.AvailableProviders;

        Assert.Equal(CpuExecutionProvider.ProviderName, providers[^1]);
        Assert.Equal(providers.Count, providers.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Initialize_AfterFirstUse_ReturnsTheSameEnvironment()
    {
        var first = OnnxRuntimeEnvironment.Instance;

        var second = OnnxRuntimeEnvironment.Initialize(new OnnxRuntimeEnvironmentOptions { LogLevel = OnnxLogLevel.Verbose });

        Assert.Same(first, second);
        Assert.Same(first, OnnxRuntimeEnvironment.Instance);
    }

    [Fact]
    public void Initialize_NullOptions_ThrowsArgumentNull() =>
        Assert.Throws<ArgumentNullException>(() => OnnxRuntimeEnvironment.Initialize(null!));

    // ---- The log bridge ------------------------------------------------------------------------------------------

    [Fact]
    public void LoggerFactory_KernelFailureAtTheDefaultLevel_ArrivesAsAnErrorWithTheSessionsLogId()
    {
        var logId = $"log-test-{Guid.NewGuid():N}";
        var factory = new RecordingLoggerFactory();
        OnnxRuntimeEnvironment.Initialize(new OnnxRuntimeEnvironmentOptions { LoggerFactory = factory });
        using var session = OnnxSession.Create(TestModels.TwoInputsTwoOutputs, TestModels.SingleThreaded with { LogId = logId });
        using var a = OrtValue.CreateTensorValueFromMemory(new float[4], [1, 4]);

        Assert.Throws<OnnxRuntimeException>(() => session.Run(["a"], [a], ["sum"]));

        var entry = Assert.Single(factory.Entries, e => e.Value("OrtLogId")?.StartsWith(logId, StringComparison.Ordinal) == true);
        Assert.Equal("OnnxRuntime", entry.Category);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Equal("onnxruntime", entry.Value("OrtCategory"));
        Assert.Contains("Missing Input: b", entry.Value("OrtMessage"), StringComparison.Ordinal);
        Assert.Contains("sequential_executor", entry.Value("OrtCodeLocation"), StringComparison.Ordinal);
        Assert.Contains(logId, entry.Message, StringComparison.Ordinal);
        Assert.Contains("Missing Input: b", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SessionLogLevel_Verbose_BringsOnnxRuntimeInfoAndVerboseMessagesOfThatSessionOnly()
    {
        var verboseId = $"log-test-{Guid.NewGuid():N}";
        var defaultId = $"log-test-{Guid.NewGuid():N}";
        var factory = new RecordingLoggerFactory();
        OnnxRuntimeEnvironment.Initialize(new OnnxRuntimeEnvironmentOptions { LoggerFactory = factory });

        using (OnnxSession.Create(TestModels.TwoInputsTwoOutputs, TestModels.SingleThreaded with { LogId = verboseId, LogLevel = OnnxLogLevel.Verbose }))
        using (OnnxSession.Create(TestModels.TwoInputsTwoOutputs, TestModels.SingleThreaded with { LogId = defaultId }))
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
        OnnxRuntimeEnvironment.Initialize(new OnnxRuntimeEnvironmentOptions { LoggerFactory = factory });

        using (OnnxSession.Create(TestModels.TwoInputsTwoOutputs, TestModels.SingleThreaded with { LogId = logId, LogLevel = OnnxLogLevel.Warning }))
        {
        }

        Assert.DoesNotContain(factory.Entries, e => e.Value("OrtLogId") == logId);
    }

    [Fact]
    public void SessionLogLevel_NotAnOnnxRuntimeLevel_ThrowsFailWhenCreated()
    {
        var options = new SessionSettings { LogLevel = (OnnxLogLevel)9 };

        var e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Create(TestModels.Identity("float"), options));

        Assert.Equal("Fail", OnnxErrors.Code(e)); // ONNX Runtime checks it (an ORT_ENFORCE) when it builds the session
        Assert.Contains("Invalid session log severity level", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoggerFactory_LoggerThatThrows_DoesNotDisturbOnnxRuntime()
    {
        var factory = new ThrowingLoggerFactory();
        OnnxRuntimeEnvironment.Initialize(new OnnxRuntimeEnvironmentOptions { LoggerFactory = factory });
        using var session = TestModels.Open(TestModels.TwoInputsTwoOutputs);
        using var a = OrtValue.CreateTensorValueFromMemory(new float[] { 1, 2, 3, 4 }, [1, 4]);

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(["a"], [a], ["sum"]));

        Assert.Equal("Fail", OnnxErrors.Code(e));
        Assert.True(factory.Calls > 0, "the logger was never called");
        using var outputs = session.RunOwned(["a", "b"], [a, a], ["sum"]);
        Assert.Equal([2f, 4, 6, 8], outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }
}
