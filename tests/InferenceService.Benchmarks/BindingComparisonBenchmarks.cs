using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using Official = Microsoft.ML.OnnxRuntime;
using Ours = InferenceService.OnnxRuntime;

namespace InferenceService.Benchmarks;

/// <summary>
/// Our binding (ONNX Runtime 1.30.0, the baseline of each category) against the official one (Microsoft.ML.OnnxRuntime
/// 1.31.0) on the benchmark MLP (64-256-256-10) and CNN, and on identity_float.onnx (three floats), where almost all
/// the time is the bindings' own. In one process: ours loads libonnxruntime.so.1 from the bin root, the official one
/// runtimes/linux-x64/native/libonnxruntime.so; setup prints both versions, checks that both files are mapped and that
/// both bindings compute the same outputs. With ONNXRUNTIME_LIBRARY_PATH pointing ours at the official file, both
/// bindings drive the one 1.31.0 library, which separates the bindings' cost from the native versions'.
/// <para>
/// Run: the input tensor made once; each call runs, reads the output as a span and disposes it. Request: what the
/// engine does per request: the input's bytes copied into an ArrayPool&lt;byte&gt; buffer, a zero-copy float tensor
/// over it, the run, the output read as a span, everything disposed and returned. The official variants differ in
/// how they run: the OrtValue Run that returns outputs (names cached), a Run into pre-allocated outputs, and
/// OrtIoBinding; and in one, in the buffer (a float pool, which CreateTensorValueFromMemory pins itself).
/// </para>
/// <para>
/// Session settings as ModelLoader sets them (inter-op 1, no spinning, sequential, all optimizations, arena on), but
/// one intra-op thread, not the service's cores/instances, so the whole run happens on the calling thread. That is
/// what lets the job time the benchmark thread's CPU time (<see cref="ThreadCpuClock"/>) instead of the wall clock:
/// on a small machine shared with other builds, wall time measures the neighbours (it swung 2x between two runs of
/// the same method), while the CPU time a call costs is what the bindings differ in. BINDING_BENCH_WALL_CLOCK=1
/// times the wall clock instead, for a quiet machine.
/// </para>
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[Config(typeof(CpuTimeConfig))]
public partial class BindingComparisonBenchmarks
{
    private const int IntraOpThreads = 1;

    private Model _identity = null!;
    private Model _mlp = null!;
    private Model _cnn = null!;

    [GlobalSetup]
    public void Setup()
    {
        Console.WriteLine($"// ours: ONNX Runtime {Ours.OrtEnvironment.Instance.Version} from {Ours.OrtEnvironment.Instance.LibraryPath}");
        Console.WriteLine($"// official: ONNX Runtime {Official.OrtEnv.Instance().GetVersionString()}");
        _identity = new Model(BenchmarkModels.PathOf("identity_float.onnx"), "x", [1, 3], "y", [1, 3]);
        _mlp = new Model(BenchmarkModelPath("mlp"), "input", [1, 64], "logits", [1, 10]);
        _cnn = new Model(BenchmarkModelPath("cnn"), "input", [1, 3, 64, 64], "logits", [1, 10]);
        if (OperatingSystem.IsLinux())
        {
            var mapped = File.ReadLines("/proc/self/maps")
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(fields => fields.Length >= 6 && fields[5].Contains("libonnxruntime", StringComparison.Ordinal))
                .Select(fields => fields[5])
                .Distinct()
                .ToArray();
            Console.WriteLine($"// mapped: {string.Join(", ", mapped)}");
            // Unless ours was pointed at the official file (ONNXRUNTIME_LIBRARY_PATH), which compares the bindings alone.
            if (mapped.Length < 2 && Environment.GetEnvironmentVariable("ONNXRUNTIME_LIBRARY_PATH") is null)
            {
                throw new InvalidOperationException("Both ONNX Runtime libraries should be mapped; found: " + string.Join(", ", mapped));
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _identity.Dispose();
        _mlp.Dispose();
        _cnn.Dispose();
    }

    private static string BenchmarkModelPath(string name) => Path.Combine(AppContext.BaseDirectory, "BenchmarkModels", name + ".onnx");

    [Benchmark(Baseline = true), BenchmarkCategory("Identity Run")]
    public float Ours_Identity_Run() => _identity.OursRun();

    [Benchmark, BenchmarkCategory("Identity Run")]
    public float Official_Identity_Run() => _identity.OfficialRun();

    [Benchmark, BenchmarkCategory("Identity Run")]
    public float Official_Identity_RunIntoPreallocated() => _identity.OfficialRunIntoPreallocated();

    [Benchmark, BenchmarkCategory("Identity Run")]
    public float Official_Identity_RunWithBinding() => _identity.OfficialRunWithBinding();

    [Benchmark(Baseline = true), BenchmarkCategory("Identity Request")]
    public float Ours_Identity_Request() => _identity.OursRequest();

    [Benchmark, BenchmarkCategory("Identity Request")]
    public float Official_Identity_Request() => _identity.OfficialRequest();

    [Benchmark, BenchmarkCategory("Identity Request")]
    public float Official_Identity_RequestFromFloatMemory() => _identity.OfficialRequestFromFloatMemory();

    [Benchmark, BenchmarkCategory("Identity Request")]
    public float Official_Identity_RequestIntoPreallocated() => _identity.OfficialRequestIntoPreallocated();

    [Benchmark, BenchmarkCategory("Identity Request")]
    public float Official_Identity_RequestWithBinding() => _identity.OfficialRequestWithBinding();

    [Benchmark(Baseline = true), BenchmarkCategory("MLP Run")]
    public float Ours_Mlp_Run() => _mlp.OursRun();

    [Benchmark, BenchmarkCategory("MLP Run")]
    public float Official_Mlp_Run() => _mlp.OfficialRun();

    [Benchmark, BenchmarkCategory("MLP Run")]
    public float Official_Mlp_RunIntoPreallocated() => _mlp.OfficialRunIntoPreallocated();

    [Benchmark, BenchmarkCategory("MLP Run")]
    public float Official_Mlp_RunWithBinding() => _mlp.OfficialRunWithBinding();

    [Benchmark(Baseline = true), BenchmarkCategory("MLP Request")]
    public float Ours_Mlp_Request() => _mlp.OursRequest();

    [Benchmark, BenchmarkCategory("MLP Request")]
    public float Official_Mlp_Request() => _mlp.OfficialRequest();

    [Benchmark, BenchmarkCategory("MLP Request")]
    public float Official_Mlp_RequestFromFloatMemory() => _mlp.OfficialRequestFromFloatMemory();

    [Benchmark, BenchmarkCategory("MLP Request")]
    public float Official_Mlp_RequestIntoPreallocated() => _mlp.OfficialRequestIntoPreallocated();

    [Benchmark, BenchmarkCategory("MLP Request")]
    public float Official_Mlp_RequestWithBinding() => _mlp.OfficialRequestWithBinding();

    [Benchmark(Baseline = true), BenchmarkCategory("CNN Request")]
    public float Ours_Cnn_Request() => _cnn.OursRequest();

    [Benchmark, BenchmarkCategory("CNN Request")]
    public float Official_Cnn_Request() => _cnn.OfficialRequest();

    /// <summary>One model loaded by both bindings with the same settings, and what each way of running it needs.</summary>
    private sealed class Model : IDisposable
    {
        // Positions, names and shapes resolved once: what the engine holds per loaded model.
        private static readonly int[] InputIndices = [0];
        private static readonly int[] OutputIndices = [0];
        private readonly string[] _inputNames;
        private readonly string[] _outputNames;
        private readonly long[] _inputShape;
        private readonly long[] _outputShape;
        private readonly int _last;
        private readonly float[] _request;

        private readonly Ours.InferenceSession _ours;
        private readonly Ours.OrtValue[] _oursInputs;

        private readonly Official.InferenceSession _official;
        private readonly Official.RunOptions _runOptions;
        private readonly Official.OrtValue[] _officialInputs;
        private readonly float[] _outputBuffer;
        private readonly Official.OrtValue[] _officialOutputs;
        private readonly Official.OrtIoBinding _fullyBound;
        private readonly Official.OrtIoBinding _outputBound;

        public Model(string path, string inputName, long[] inputShape, string outputName, long[] outputShape)
        {
            _inputNames = [inputName];
            _outputNames = [outputName];
            _inputShape = inputShape;
            _outputShape = outputShape;
            _outputBuffer = new float[(int)outputShape.Aggregate(1L, (a, b) => a * b)];
            _last = _outputBuffer.Length - 1;
            var random = new Random(42);
            _request = new float[(int)inputShape.Aggregate(1L, (a, b) => a * b)];
            for (var i = 0; i < _request.Length; i++)
            {
                _request[i] = (float)random.NextDouble();
            }

            _ours = Ours.InferenceSession.Create(path, new Ours.SessionOptions
            {
                IntraOpThreads = IntraOpThreads,
                InterOpThreads = 1,
                GraphOptimizationLevel = Ours.GraphOptimizationLevel.All,
                ExecutionMode = Ours.ExecutionMode.Sequential,
                EnableMemoryArena = true,
                ConfigEntries = new Dictionary<string, string> { ["session.intra_op.allow_spinning"] = "0" },
            });
            _oursInputs = [Ours.OrtValue.CreateTensor<float>(_request, _inputShape)];

            // The session copies what it needs from its options, so they can go at once.
            using (var options = new Official.SessionOptions
            {
                IntraOpNumThreads = IntraOpThreads,
                InterOpNumThreads = 1,
                GraphOptimizationLevel = Official.GraphOptimizationLevel.ORT_ENABLE_ALL,
                ExecutionMode = Official.ExecutionMode.ORT_SEQUENTIAL,
                EnableCpuMemArena = true,
            })
            {
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                _official = new Official.InferenceSession(path, options);
            }
            // The OrtValue Run overloads dereference their RunOptions (null throws), so one is made once and reused.
            _runOptions = new Official.RunOptions();
            _officialInputs = [Official.OrtValue.CreateTensorValueFromMemory(_request, _inputShape)];
            _officialOutputs = [Official.OrtValue.CreateTensorValueFromMemory(_outputBuffer, _outputShape)];
            _fullyBound = _official.CreateIoBinding();
            _fullyBound.BindInput(_inputNames[0], _officialInputs[0]);
            _fullyBound.BindOutput(_outputNames[0], _officialOutputs[0]);
            _outputBound = _official.CreateIoBinding();
            _outputBound.BindOutputToDevice(_outputNames[0], Official.OrtMemoryInfo.DefaultInstance);

            CheckAgree(Path.GetFileName(path));
        }

        public float OursRun()
        {
            var outputs = _ours.Run(InputIndices, _oursInputs, OutputIndices);
            var value = outputs[0].GetTensorData<float>()[_last];
            outputs[0].Dispose();
            return value;
        }

        public float OfficialRun()
        {
            using var outputs = _official.Run(_runOptions, _inputNames, _officialInputs, _outputNames);
            return outputs[0].GetTensorDataAsSpan<float>()[_last];
        }

        public float OfficialRunIntoPreallocated()
        {
            _official.Run(_runOptions, _inputNames, _officialInputs, _outputNames, _officialOutputs);
            return _outputBuffer[_last];
        }

        /// <summary>Input and output bound once: the least the official binding can do per run.</summary>
        public float OfficialRunWithBinding()
        {
            _official.RunWithBinding(_runOptions, _fullyBound);
            return _outputBuffer[_last];
        }

        public float OursRequest()
        {
            var buffer = RentRequest(out var memory);
            try
            {
                using var input = Ours.OrtValue.CreateTensor(Ours.TensorElementType.Float, memory, _inputShape);
                var outputs = _ours.Run(InputIndices, [input], OutputIndices);
                var value = outputs[0].GetTensorData<float>()[_last];
                outputs[0].Dispose();
                return value;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>The engine's way: the request's bytes in ArrayPool&lt;byte&gt;, pinned by the caller.</summary>
        public float OfficialRequest()
        {
            var buffer = RentRequest(out var memory);
            var input = CreateOfficialTensor(memory, _inputShape, out var pin);
            try
            {
                using var outputs = _official.Run(_runOptions, _inputNames, [input], _outputNames);
                return outputs[0].GetTensorDataAsSpan<float>()[_last];
            }
            finally
            {
                input.Dispose();
                pin.Dispose();
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>
        /// A typed pooled buffer instead, which CreateTensorValueFromMemory pins itself (and unpins on Dispose); the
        /// Memory overload, so the tensor spans exactly the request's part of the rented array.
        /// </summary>
        public float OfficialRequestFromFloatMemory()
        {
            var buffer = ArrayPool<float>.Shared.Rent(_request.Length);
            try
            {
                _request.CopyTo(buffer, 0);
                using var input = Official.OrtValue.CreateTensorValueFromMemory(Official.OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, _request.Length), _inputShape);
                using var outputs = _official.Run(_runOptions, _inputNames, [input], _outputNames);
                return outputs[0].GetTensorDataAsSpan<float>()[_last];
            }
            finally
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }

        /// <summary>The output into a pooled buffer too: only possible where its shape is known before the run.</summary>
        public float OfficialRequestIntoPreallocated()
        {
            var buffer = RentRequest(out var memory);
            var outputBuffer = ArrayPool<byte>.Shared.Rent(_outputBuffer.Length * sizeof(float));
            var input = CreateOfficialTensor(memory, _inputShape, out var inputPin);
            var output = CreateOfficialTensor(outputBuffer.AsMemory(0, _outputBuffer.Length * sizeof(float)), _outputShape, out var outputPin);
            try
            {
                _official.Run(_runOptions, _inputNames, [input], _outputNames, [output]);
                return MemoryMarshal.Cast<byte, float>(outputBuffer.AsSpan())[_last];
            }
            finally
            {
                output.Dispose();
                outputPin.Dispose();
                input.Dispose();
                inputPin.Dispose();
                ArrayPool<byte>.Shared.Return(outputBuffer);
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>An IoBinding kept per session (so one run at a time): the request's input bound per run, the output left to ONNX Runtime.</summary>
        public float OfficialRequestWithBinding()
        {
            var buffer = RentRequest(out var memory);
            var input = CreateOfficialTensor(memory, _inputShape, out var pin);
            try
            {
                _outputBound.BindInput(_inputNames[0], input);
                try
                {
                    using var outputs = _official.RunWithBoundResults(_runOptions, _outputBound);
                    return outputs[0].GetTensorDataAsSpan<float>()[_last];
                }
                finally
                {
                    // The binding must not keep the pooled buffer once it goes back.
                    _outputBound.ClearBoundInputs();
                }
            }
            finally
            {
                input.Dispose();
                pin.Dispose();
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>
        /// A float tensor over bytes: CreateTensorValueFromMemory would make a uint8 tensor of a Memory&lt;byte&gt;, so
        /// the official binding needs CreateTensorValueWithData over memory the caller pins, and unpins only after
        /// disposing the value (the value does not own the pin).
        /// </summary>
        private static unsafe Official.OrtValue CreateOfficialTensor(Memory<byte> memory, long[] shape, out MemoryHandle pin)
        {
            pin = memory.Pin();
            try
            {
                return Official.OrtValue.CreateTensorValueWithData(Official.OrtMemoryInfo.DefaultInstance,
                    Official.Tensors.TensorElementType.Float, shape, (IntPtr)pin.Pointer, memory.Length);
            }
            catch
            {
                pin.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            _outputBound.Dispose();
            _fullyBound.Dispose();
            foreach (var value in _officialOutputs.Concat(_officialInputs))
            {
                value.Dispose();
            }
            _runOptions.Dispose();
            _official.Dispose();
            foreach (var value in _oursInputs)
            {
                value.Dispose();
            }
            _ours.Dispose();
        }

        /// <summary>The request's bytes copied into a pooled buffer, as the engine's decoders fill one (InputTensor.Rent).</summary>
        private byte[] RentRequest(out Memory<byte> memory)
        {
            var bytes = MemoryMarshal.AsBytes(_request.AsSpan());
            var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
            bytes.CopyTo(buffer);
            memory = buffer.AsMemory(0, bytes.Length);
            return buffer;
        }

        /// <summary>Every way of running must compute the same thing, or the table compares nothing.</summary>
        private void CheckAgree(string name)
        {
            var ours = OursRun();
            float[] others = [OursRequest(), OfficialRun(), OfficialRunIntoPreallocated(), OfficialRunWithBinding(), OfficialRequest(),
                OfficialRequestFromFloatMemory(), OfficialRequestIntoPreallocated(), OfficialRequestWithBinding()];
            if (others.Any(other => Math.Abs(other - ours) > 1e-4f))
            {
                throw new InvalidOperationException($"{name}: the bindings disagree: ours {ours}, the others [{string.Join(", ", others)}].");
            }
            Console.WriteLine($"// {name}: all give the same last output element, {ours.ToString("G6", CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>
    /// In process, since a custom clock does not travel to a generated benchmark process. Short (the whole class runs
    /// in a few minutes even where the CPU is shared) but steadier than --job short's 3 iterations, whose error is
    /// larger than the differences measured.
    /// </summary>
    private sealed class CpuTimeConfig : ManualConfig
    {
        public CpuTimeConfig()
        {
            var job = Job.Default.WithLaunchCount(1).WithWarmupCount(5).WithIterationCount(25)
                .WithIterationTime(TimeInterval.FromMilliseconds(200))
                .WithToolchain(InProcessEmitToolchain.Instance);
            AddJob(Environment.GetEnvironmentVariable("BINDING_BENCH_WALL_CLOCK") == "1" ? job : job.WithClock(new ThreadCpuClock()));
        }
    }

    /// <summary>The CPU time (user and system) of the calling thread, in nanoseconds: Linux's CLOCK_THREAD_CPUTIME_ID.</summary>
    private sealed partial class ThreadCpuClock : IClock
    {
        private const int ClockThreadCpuTimeId = 3;

        public string Title => "Thread CPU time";

        public bool IsAvailable => OperatingSystem.IsLinux();

        public Frequency Frequency => new(1_000_000_000);

        public long GetTimestamp()
        {
            if (ClockGetTime(ClockThreadCpuTimeId, out var time) != 0)
            {
                throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
            }
            return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [LibraryImport("libc", EntryPoint = "clock_gettime")]
        private static partial int ClockGetTime(int clock, out TimeSpec time);
    }
}
