using System.Text;

namespace InferenceService.OnnxRuntime.Tests;

public sealed class SessionOptionsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ort-session-options-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void OptimizedModelPath_Set_WritesALoadableOnnxModel()
    {
        var path = Path.Combine(_folder, "optimized.onnx");

        using (InferenceSession.Create(TestModels.TwoInputsTwoOutputs, TestModels.SingleThreaded with { OptimizedModelPath = path }))
        {
        }

        Assert.True(File.Exists(path));
        using var reloaded = TestModels.Open(path);
        Assert.Equal(["a", "b"], reloaded.Inputs.Select(i => i.Name));
        Assert.Equal("two_inputs_two_outputs", reloaded.Metadata.GraphName);
        using var a = OrtValue.CreateTensor<float>(new float[] { 1, 2, 3, 4 }, [1, 4]);
        using var outputs = reloaded.RunOwned(["a", "b"], [a, a], ["sum"]);
        Assert.Equal([2f, 4, 6, 8], outputs[0].GetTensorData<float>().ToArray());
    }

    [Fact]
    public void ConfigEntries_SaveModelFormatOrt_ReachOnnxRuntime()
    {
        // An observable config entry: with it the optimized model is written in ONNX Runtime's own format, whose
        // flatbuffer file identifier "ORTM" sits at byte 4 (an ONNX protobuf file has no such marker).
        var ortPath = Path.Combine(_folder, "optimized.ort");
        var onnxPath = Path.Combine(_folder, "optimized.onnx");
        var withEntry = TestModels.SingleThreaded with
        {
            OptimizedModelPath = ortPath,
            ConfigEntries = new Dictionary<string, string> { ["session.save_model_format"] = "ORT" },
        };

        InferenceSession.Create(TestModels.Identity("float"), withEntry).Dispose();
        InferenceSession.Create(TestModels.Identity("float"), TestModels.SingleThreaded with { OptimizedModelPath = onnxPath }).Dispose();

        Assert.Equal("ORTM", Encoding.ASCII.GetString(File.ReadAllBytes(ortPath), 4, 4));
        Assert.NotEqual("ORTM", Encoding.ASCII.GetString(File.ReadAllBytes(onnxPath), 4, 4));
    }

    [Fact]
    public void OptimizedModelPath_InAMissingFolder_ThrowsInvalidArgument()
    {
        var path = Path.Combine(_folder, "missing", "optimized.onnx");

        var e = Assert.Throws<OrtException>(() => InferenceSession.Create(TestModels.Identity("float"), new SessionOptions { OptimizedModelPath = path }));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GraphOptimizationLevel_NotAnOnnxRuntimeLevel_ThrowsInvalidArgument()
    {
        var e = Assert.Throws<OrtException>(() => InferenceSession.Create(TestModels.Identity("float"), new SessionOptions { GraphOptimizationLevel = (GraphOptimizationLevel)5 }));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
        Assert.Contains("graph_optimization_level", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExecutionMode_NotAnOnnxRuntimeMode_ThrowsInvalidArgument()
    {
        var e = Assert.Throws<OrtException>(() => InferenceSession.Create(TestModels.Identity("float"), new SessionOptions { ExecutionMode = (ExecutionMode)7 }));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
        Assert.Contains("execution_mode", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, 0, "IntraOpThreads")]
    [InlineData(0, -3, "InterOpThreads")]
    public void ThreadCounts_Negative_ThrowInvalidArgument(int intraOp, int interOp, string named)
    {
        // ONNX Runtime itself takes any negative count as "default"; the binding refuses it.
        var options = new SessionOptions { IntraOpThreads = intraOp, InterOpThreads = interOp };

        var e = Assert.Throws<OrtException>(() => InferenceSession.Create(TestModels.Identity("float"), options));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigEntries_EmptyKey_ThrowsInvalidArgument()
    {
        var options = new SessionOptions { ConfigEntries = new Dictionary<string, string> { [string.Empty] = "1" } };

        var e = Assert.Throws<OrtException>(() => InferenceSession.Create(TestModels.Identity("float"), options));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
        Assert.Contains("Config key is empty", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GraphOptimizationLevel.DisableAll, ExecutionMode.Sequential, true)]
    [InlineData(GraphOptimizationLevel.Basic, ExecutionMode.Parallel, false)]
    [InlineData(GraphOptimizationLevel.Extended, ExecutionMode.Sequential, false)]
    [InlineData(GraphOptimizationLevel.All, ExecutionMode.Parallel, true)]
    public void Create_ValidCombinations_RunCorrectly(GraphOptimizationLevel level, ExecutionMode mode, bool arena)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = level,
            ExecutionMode = mode,
            EnableMemoryArena = arena,
            IntraOpThreads = 1,
            InterOpThreads = mode == ExecutionMode.Parallel ? 2 : 0,
            LogId = "options-test",
            ConfigEntries = new Dictionary<string, string> { ["session.intra_op.allow_spinning"] = "0" },
        };
        using var session = InferenceSession.Create(TestModels.TwoInputsTwoOutputs, options);
        using var a = OrtValue.CreateTensor<float>(new float[] { 1, 2, 3, 4 }, [1, 4]);
        using var b = OrtValue.CreateTensor<float>(new float[] { 4, 3, 2, 1 }, [1, 4]);

        using var outputs = session.RunOwned(["a", "b"], [a, b], ["sum", "product"]);

        Assert.Equal([5f, 5, 5, 5], outputs[0].GetTensorData<float>().ToArray());
        Assert.Equal([4f, 6, 6, 4], outputs[1].GetTensorData<float>().ToArray());
        Assert.Equal([CpuExecutionProvider.ProviderName], session.ExecutionProviders);
        Assert.Empty(session.FallbackReasons);
    }
}

/// <summary>Thread counts, observed as the threads the process gains while the session is created.</summary>
[Collection(SerialCollection.Name)]
public class SessionOptionsThreadTests
{
    [Fact]
    public void IntraOpThreads_Four_StartsThreeWorkerThreadsMoreThanOne()
    {
        // ONNX Runtime's intra-op pool has n-1 worker threads (the calling thread is the n-th). Other threads of the
        // process may start at the same moment, so take the best of a few attempts.
        _ = OrtEnvironment.Instance;
        var differences = new List<int>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var one = ThreadsStartedBy(1);
            var four = ThreadsStartedBy(4);
            differences.Add(four - one);
            if (four - one == 3)
            {
                break;
            }
        }

        Assert.Contains(3, differences);
    }

    private static int ThreadsStartedBy(int intraOpThreads)
    {
        var before = ThreadCount();
        using var session = InferenceSession.Create(TestModels.Identity("float"), new SessionOptions { IntraOpThreads = intraOpThreads });
        return ThreadCount() - before;
    }

    private static int ThreadCount() => Directory.GetDirectories("/proc/self/task").Length;
}
