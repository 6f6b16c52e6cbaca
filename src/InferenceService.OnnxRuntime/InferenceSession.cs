using System.Collections.Frozen;
using InferenceService.OnnxRuntime.Native;

namespace InferenceService.OnnxRuntime;

/// <summary>
/// A loaded model (a native <c>OrtSession</c>) with its inputs, outputs and metadata read once at creation.
/// <para>
/// Thread safety: <see cref="Run(ReadOnlySpan{string}, ReadOnlySpan{OrtValue}, ReadOnlySpan{string}, RunOptions?, CancellationToken)"/>
/// may be called from many threads at once, as ONNX Runtime allows; everything else here is immutable.
/// Disposing while runs are in flight is safe: the native session is released when the last run returns.
/// </para>
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly OrtHandle _session;
    private readonly PinnedUtf8Strings _inputNames;
    private readonly PinnedUtf8Strings _outputNames;
    private readonly FrozenDictionary<string, int> _inputIndex;
    private readonly FrozenDictionary<string, int> _outputIndex;

    private InferenceSession(IntPtr session, IReadOnlyList<string> providers, IReadOnlyList<string> fallbackReasons)
    {
        _session = new OrtHandle(session, OrtEnvironment.Api.ReleaseSession);
        ExecutionProviders = providers;
        FallbackReasons = fallbackReasons;
        Inputs = ReadTensorInfos(session, isInput: true);
        Outputs = ReadTensorInfos(session, isInput: false);
        Metadata = NativeModelMetadata.Read(session);
        _inputNames = new PinnedUtf8Strings(Inputs.Select(i => i.Name).ToArray());
        _outputNames = new PinnedUtf8Strings(Outputs.Select(o => o.Name).ToArray());
        _inputIndex = Inputs.Select((info, i) => KeyValuePair.Create(info.Name, i)).ToFrozenDictionary();
        _outputIndex = Outputs.Select((info, i) => KeyValuePair.Create(info.Name, i)).ToFrozenDictionary();
    }

    /// <summary>Loads a model from an .onnx file.</summary>
    public static InferenceSession Create(string modelPath, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        var path = NativePath.Encode(modelPath);
        return Create(options ?? new SessionOptions(), (env, nativeOptions) =>
        {
            IntPtr session;
            fixed (byte* p = path)
            {
                OrtException.ThrowIfFailed(OrtEnvironment.Api.CreateSession(env, p, nativeOptions, &session));
            }
            return session;
        });
    }

    /// <summary>Loads a model from its bytes (the content of an .onnx file).</summary>
    public static InferenceSession Create(ReadOnlyMemory<byte> model, SessionOptions? options = null) =>
        Create(options ?? new SessionOptions(), (env, nativeOptions) =>
        {
            IntPtr session;
            fixed (byte* p = model.Span)
            {
                OrtException.ThrowIfFailed(OrtEnvironment.Api.CreateSessionFromArray(env, p, (nuint)model.Length, nativeOptions, &session));
            }
            return session;
        });

    /// <summary>The model's inputs, in the model's order.</summary>
    public IReadOnlyList<TensorInfo> Inputs { get; }

    /// <summary>The model's outputs, in the model's order.</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; }

    public ModelMetadata Metadata { get; }

    /// <summary>The execution providers this session actually uses, in order; the CPU provider is always last.</summary>
    public IReadOnlyList<string> ExecutionProviders { get; }

    /// <summary>Why each GPU provider that was asked for is not in use (empty when none fell back).</summary>
    public IReadOnlyList<string> FallbackReasons { get; }

    /// <summary>The position of the input named <paramref name="name"/>, or -1.</summary>
    public int GetInputIndex(string name) => _inputIndex.GetValueOrDefault(name, -1);

    /// <summary>The position of the output named <paramref name="name"/>, or -1.</summary>
    public int GetOutputIndex(string name) => _outputIndex.GetValueOrDefault(name, -1);

    /// <summary>
    /// Runs the model. Returns the requested outputs in the order of <paramref name="outputNames"/>; the caller owns
    /// (and disposes) them. Cancelling <paramref name="cancellationToken"/> terminates a run in progress, which then
    /// throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public OrtValue[] Run(
        ReadOnlySpan<string> inputNames,
        ReadOnlySpan<OrtValue> inputs,
        ReadOnlySpan<string> outputNames,
        RunOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        if (inputNames.Length != inputs.Length)
        {
            throw new ArgumentException($"{inputNames.Length} input names were given for {inputs.Length} inputs.", nameof(inputs));
        }
        Span<int> inputIndices = inputNames.Length <= 32 ? stackalloc int[inputNames.Length] : new int[inputNames.Length];
        for (var i = 0; i < inputNames.Length; i++)
        {
            inputIndices[i] = IndexOf(_inputIndex, inputNames[i], "input", Inputs);
        }
        Span<int> outputIndices = outputNames.Length <= 32 ? stackalloc int[outputNames.Length] : new int[outputNames.Length];
        for (var i = 0; i < outputNames.Length; i++)
        {
            outputIndices[i] = IndexOf(_outputIndex, outputNames[i], "output", Outputs);
        }
        return Run(inputIndices, inputs, outputIndices, options, cancellationToken);
    }

    /// <summary>
    /// Runs the model with inputs and outputs named by their position in <see cref="Inputs"/> and <see cref="Outputs"/>:
    /// the allocation-free form of the name-based overload, for callers that resolved the names once.
    /// </summary>
    public OrtValue[] Run(
        ReadOnlySpan<int> inputIndices,
        ReadOnlySpan<OrtValue> inputs,
        ReadOnlySpan<int> outputIndices,
        RunOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        if (inputIndices.Length != inputs.Length)
        {
            throw new ArgumentException($"{inputIndices.Length} input positions were given for {inputs.Length} inputs.", nameof(inputs));
        }
        cancellationToken.ThrowIfCancellationRequested();
        var api = OrtEnvironment.Api;
        var inputCount = inputs.Length;
        var outputCount = outputIndices.Length;
        var namePointers = stackalloc IntPtr[inputCount + outputCount];
        var valuePointers = stackalloc IntPtr[inputCount + outputCount];
        var outputValues = valuePointers + inputCount;

        var addedRefs = 0;
        var sessionRef = false;
        OrtHandle? runOptions = null;
        CancellationTokenRegistration registration = default;
        IntPtr status;
        try
        {
            _session.DangerousAddRef(ref sessionRef);
            for (var i = 0; i < inputCount; i++)
            {
                namePointers[i] = (IntPtr)_inputNames.Pointers[CheckIndex(inputIndices[i], Inputs.Count)];
                var added = false;
                inputs[i].Handle.DangerousAddRef(ref added);
                addedRefs++;
                valuePointers[i] = inputs[i].Handle.DangerousGetHandle();
            }
            for (var i = 0; i < outputCount; i++)
            {
                namePointers[inputCount + i] = (IntPtr)_outputNames.Pointers[CheckIndex(outputIndices[i], Outputs.Count)];
                outputValues[i] = IntPtr.Zero;
            }

            if (options is not null || cancellationToken.CanBeCanceled)
            {
                runOptions = NativeRunOptions.Create(options);
                if (cancellationToken.CanBeCanceled)
                {
                    registration = cancellationToken.UnsafeRegister(static state => NativeRunOptions.Terminate((OrtHandle)state!), runOptions);
                }
            }

            status = api.Run(
                _session.DangerousGetHandle(),
                runOptions?.DangerousGetHandle() ?? IntPtr.Zero,
                namePointers, valuePointers, (nuint)inputCount,
                namePointers + inputCount, (nuint)outputCount, outputValues);
        }
        finally
        {
            // Unregistering waits for a callback in progress, so the run options are never used after release.
            registration.Dispose();
            runOptions?.Dispose();
            for (var i = 0; i < addedRefs; i++)
            {
                inputs[i].Handle.DangerousRelease();
            }
            if (sessionRef)
            {
                _session.DangerousRelease();
            }
            GC.KeepAlive(_inputNames);
            GC.KeepAlive(_outputNames);
        }

        if (status != IntPtr.Zero)
        {
            var error = OrtException.FromStatus(status);
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The run was cancelled.", error, cancellationToken);
            }
            throw error;
        }

        var results = new OrtValue[outputCount];
        for (var i = 0; i < outputCount; i++)
        {
            results[i] = OrtValue.FromNative(outputValues[i]);
        }
        return results;
    }

    /// <summary>Releases the native session (after the last run in flight, if any, returns).</summary>
    public void Dispose() => _session.Dispose();

    private static int IndexOf(FrozenDictionary<string, int> index, string name, string kind, IReadOnlyList<TensorInfo> all) =>
        index.TryGetValue(name, out var position)
            ? position
            : throw new OrtException(OrtErrorCode.InvalidArgument,
                $"The model has no {kind} named '{name}'. Its {kind}s: {string.Join(", ", all.Select(i => i.Name))}.");

    private static int CheckIndex(int index, int count) =>
        (uint)index < (uint)count ? index : throw new ArgumentOutOfRangeException(nameof(index), index, $"The model has {count} of these.");

    private static InferenceSession Create(SessionOptions options, Func<IntPtr, IntPtr, IntPtr> createNative)
    {
        var env = OrtEnvironment.Instance.Handle;
        var providers = new List<string>();
        var fallbackReasons = new List<string>();
        IntPtr session;
        using (var nativeOptions = NativeSessionOptions.Create(options, withGpuProviders: true, providers, fallbackReasons))
        {
            try
            {
                session = createNative(env, nativeOptions.DangerousGetHandle());
            }
            catch (OrtException e) when (providers.Count > 1 && options.FallbackToCpu)
            {
                // A GPU provider was accepted but failed when the session was built (no device, a missing CUDA
                // library): build again on the CPU alone. If the model itself is bad, this fails again, with the
                // CPU's message.
                fallbackReasons.Add($"{string.Join(", ", providers.SkipLast(1))} failed when the session was created: {e.Message}");
                providers.Clear();
                using var cpuOptions = NativeSessionOptions.Create(options, withGpuProviders: false, providers, fallbackReasons);
                session = createNative(env, cpuOptions.DangerousGetHandle());
            }
        }
        try
        {
            return new InferenceSession(session, providers, fallbackReasons);
        }
        catch
        {
            OrtEnvironment.Api.ReleaseSession(session);
            throw;
        }
    }

    private static TensorInfo[] ReadTensorInfos(IntPtr session, bool isInput)
    {
        var api = OrtEnvironment.Api;
        nuint count;
        OrtException.ThrowIfFailed(isInput ? api.SessionGetInputCount(session, &count) : api.SessionGetOutputCount(session, &count));
        var result = new TensorInfo[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* rawName;
            OrtException.ThrowIfFailed(isInput
                ? api.SessionGetInputName(session, i, OrtEnvironment.Instance.DefaultAllocator, &rawName)
                : api.SessionGetOutputName(session, i, OrtEnvironment.Instance.DefaultAllocator, &rawName));
            var name = Utf8.ReadAndFree(rawName);

            IntPtr typeInfo;
            OrtException.ThrowIfFailed(isInput
                ? api.SessionGetInputTypeInfo(session, i, &typeInfo)
                : api.SessionGetOutputTypeInfo(session, i, &typeInfo));
            try
            {
                result[(int)i] = ReadTensorInfo(name, typeInfo);
            }
            finally
            {
                api.ReleaseTypeInfo(typeInfo);
            }
        }
        return result;
    }

    private static TensorInfo ReadTensorInfo(string name, IntPtr typeInfo)
    {
        var api = OrtEnvironment.Api;
        int kind;
        OrtException.ThrowIfFailed(api.GetOnnxTypeFromTypeInfo(typeInfo, &kind));
        if ((OnnxValueKind)kind != OnnxValueKind.Tensor)
        {
            return new TensorInfo(name, (OnnxValueKind)kind, TensorElementType.Undefined, [], []);
        }
        IntPtr tensorInfo; // Owned by typeInfo: not released here.
        OrtException.ThrowIfFailed(api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
        var (elementType, shape) = NativeTensorInfo.Read(tensorInfo);
        var symbolic = NativeTensorInfo.ReadSymbolicDimensions(tensorInfo, shape.Length);
        for (var d = 0; d < shape.Length; d++)
        {
            // ONNX Runtime reports a dimension without a fixed size as -1 (or 0 in some older exporters' files).
            if (shape[d] < 0 || (shape[d] == 0 && symbolic[d].Length > 0))
            {
                shape[d] = -1;
            }
        }
        return new TensorInfo(name, OnnxValueKind.Tensor, elementType, shape, symbolic);
    }
}
