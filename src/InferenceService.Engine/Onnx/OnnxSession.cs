using System.Collections.Frozen;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Onnx;

/// <summary>
/// One ONNX Runtime <see cref="InferenceSession"/> with what the engine needs around it: the model's inputs, outputs
/// and metadata read once, the execution providers in use and why any GPU provider fell back to the CPU, runs by
/// input and output position, and cancellation of a run in progress.
/// <para>
/// Thread safety: <see cref="Run(ReadOnlySpan{int}, OrtValue[], ReadOnlySpan{int}, CancellationToken)"/> may be
/// called from many threads at once, as ONNX Runtime allows; everything else is immutable. Dispose only once no run
/// is in flight (the scheduler stops its instance threads first).
/// </para>
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _defaultRunOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly FrozenDictionary<string, int> _inputIndex;
    private readonly FrozenDictionary<string, int> _outputIndex;

    private OnnxSession(InferenceSession session, IReadOnlyList<string> providers, IReadOnlyList<string> fallbackReasons)
    {
        _session = session;
        ExecutionProviders = providers;
        FallbackReasons = fallbackReasons;
        Inputs = [.. session.InputNames.Select(name => TensorInfo.From(name, session.InputMetadata[name]))];
        Outputs = [.. session.OutputNames.Select(name => TensorInfo.From(name, session.OutputMetadata[name]))];
        Metadata = ModelMetadata.From(session.ModelMetadata);
        _inputNames = [.. Inputs.Select(i => i.Name)];
        _outputNames = [.. Outputs.Select(o => o.Name)];
        _inputIndex = Inputs.Select((info, i) => KeyValuePair.Create(info.Name, i)).ToFrozenDictionary();
        _outputIndex = Outputs.Select((info, i) => KeyValuePair.Create(info.Name, i)).ToFrozenDictionary();
    }

    /// <summary>Loads a model from an .onnx file.</summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime cannot load the model.</exception>
    /// <exception cref="ExecutionProviderException">A required GPU provider cannot be used.</exception>
    public static OnnxSession Create(string modelPath, SessionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        return Create(settings ?? new SessionSettings(), options => new InferenceSession(modelPath, options));
    }

    /// <summary>Loads a model from its bytes (the content of an .onnx file).</summary>
    public static OnnxSession Create(byte[] model, SessionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Create(settings ?? new SessionSettings(), options => new InferenceSession(model, options));
    }

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

    /// <summary>Runs the model with inputs and outputs named; see the positional overload.</summary>
    /// <exception cref="ArgumentException">The model has no input or output of one of the names.</exception>
    public OrtValue[] Run(ReadOnlySpan<string> inputNames, OrtValue[] inputs, ReadOnlySpan<string> outputNames, CancellationToken cancellationToken = default)
    {
        var inputIndices = new int[inputNames.Length];
        for (var i = 0; i < inputNames.Length; i++)
        {
            inputIndices[i] = IndexOf(_inputIndex, inputNames[i], "input", _inputNames);
        }
        var outputIndices = new int[outputNames.Length];
        for (var i = 0; i < outputNames.Length; i++)
        {
            outputIndices[i] = IndexOf(_outputIndex, outputNames[i], "output", _outputNames);
        }
        return Run(inputIndices, inputs, outputIndices, cancellationToken);
    }

    /// <summary>
    /// Runs the model, with inputs and outputs named by their position in <see cref="Inputs"/> and
    /// <see cref="Outputs"/>. Returns the requested outputs in that order; the caller owns (and disposes) them.
    /// Cancelling <paramref name="cancellationToken"/> terminates a run in progress, which then throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime refused the inputs or failed.</exception>
    public OrtValue[] Run(ReadOnlySpan<int> inputIndices, OrtValue[] inputs, ReadOnlySpan<int> outputIndices, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputIndices.Length != inputs.Length)
        {
            throw new ArgumentException($"{inputIndices.Length} input positions were given for {inputs.Length} inputs.", nameof(inputs));
        }
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var input in inputs)
        {
            // ONNX Runtime's Run takes a disposed value's (zero) handle as it is and crashes the process: refuse it here.
            ObjectDisposedException.ThrowIf(input is null || IsDisposed(input), typeof(OrtValue));
        }
        var inputNames = NamesAt(_inputNames, inputIndices);
        var outputNames = NamesAt(_outputNames, outputIndices);
        if (!cancellationToken.CanBeCanceled)
        {
            return ToArray(_session.Run(_defaultRunOptions, inputNames, inputs, outputNames));
        }

        // A run of its own options, so that terminating it stops this run only.
        using var runOptions = new RunOptions();
        try
        {
            // Disposing the registration waits for a callback in progress, so the options outlive every use of them.
            using (cancellationToken.UnsafeRegister(static state => ((RunOptions)state!).Terminate = true, runOptions))
            {
                return ToArray(_session.Run(runOptions, inputNames, inputs, outputNames));
            }
        }
        catch (OnnxRuntimeException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The run was cancelled.", e, cancellationToken);
        }
    }

    public void Dispose()
    {
        // Marked first: a run after this must throw, not reach the released native session (a process crash).
        _disposed = true;
        _session.Dispose();
        _defaultRunOptions.Dispose();
    }

    /// <summary>The names at the positions; the cached array itself when they are all of them, in order (no allocation).</summary>
    /// <summary>
    /// Whether <paramref name="value"/> was disposed: the package's OrtValue says so only in a private field, read here
    /// without reflection; should a later package rename it, no value is taken for disposed (ONNX Runtime decides).
    /// </summary>
    private static bool IsDisposed(OrtValue value)
    {
        if (!s_canReadDisposed)
        {
            return false;
        }
        try
        {
            return DisposedField(value);
        }
        catch (MissingFieldException)
        {
            s_canReadDisposed = false;
            return false;
        }
    }

    private static bool s_canReadDisposed = true;

    private volatile bool _disposed;

    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = "_disposed")]
    private static extern ref bool DisposedField(OrtValue value);

    private static string[] NamesAt(string[] names, ReadOnlySpan<int> indices)
    {
        var inOrder = indices.Length == names.Length;
        for (var i = 0; inOrder && i < indices.Length; i++)
        {
            inOrder = indices[i] == i;
        }
        if (inOrder)
        {
            return names;
        }
        var selected = new string[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            selected[i] = (uint)indices[i] < (uint)names.Length
                ? names[indices[i]]
                : throw new ArgumentOutOfRangeException(nameof(indices), indices[i], $"The model has {names.Length} of these.");
        }
        return selected;
    }

    /// <summary>The values, owned by the caller from now on (the package's collection would dispose them with itself).</summary>
    private static OrtValue[] ToArray(IDisposableReadOnlyCollection<OrtValue> results)
    {
        var values = new OrtValue[results.Count];
        var i = 0;
        foreach (var value in results)
        {
            values[i++] = value;
        }
        return values;
    }

    private static int IndexOf(FrozenDictionary<string, int> index, string name, string kind, string[] all) =>
        index.TryGetValue(name, out var position)
            ? position
            : throw InvalidArgument($"The model has no {kind} named '{name}'. Its {kind}s: {string.Join(", ", all)}.");

    /// <summary>
    /// ONNX Runtime's own InvalidArgument error, as its Run by name throws for a name the model lacks, so that callers
    /// handle one exception type. The package makes the exception only itself (its constructor and its error codes are
    /// internal): it is made by reflection, on this error path only; should the package change, an ArgumentException.
    /// </summary>
    private static Exception InvalidArgument(string message)
    {
        foreach (var constructor in typeof(OnnxRuntimeException).GetConstructors(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic))
        {
            var parameters = constructor.GetParameters();
            if (parameters is [{ ParameterType.IsEnum: true } code, { } text] && text.ParameterType == typeof(string)
                && Enum.TryParse(code.ParameterType, "InvalidArgument", out var invalidArgument))
            {
                return (Exception)constructor.Invoke([invalidArgument, message]);
            }
        }
        return new ArgumentException(message);
    }

    private static OnnxSession Create(SessionSettings settings, Func<SessionOptions, InferenceSession> createSession)
    {
        _ = OnnxRuntimeEnvironment.Instance; // Our environment (and logging) before the package creates a default one.
        var providers = new List<string>();
        var fallbackReasons = new List<string>();
        InferenceSession session;
        using (var options = ExecutionProviderSetup.Create(settings, withGpuProviders: true, providers, fallbackReasons))
        {
            try
            {
                session = createSession(options);
            }
            catch (OnnxRuntimeException e) when (providers.Count > 1 && settings.FallbackToCpu)
            {
                // A GPU provider was accepted but failed when the session was built (no device, a CUDA library that
                // loads lazily): build again on the CPU alone. If the model itself is bad, this fails again, with the
                // CPU's message.
                fallbackReasons.Add($"{string.Join(", ", providers.SkipLast(1))} failed when the session was created: {OnnxErrors.Describe(e)}");
                providers.Clear();
                using var cpuOptions = ExecutionProviderSetup.Create(settings, withGpuProviders: false, providers, fallbackReasons);
                session = createSession(cpuOptions);
            }
        }
        try
        {
            return new OnnxSession(session, providers, fallbackReasons);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}
