using InferenceService.Engine.Scheduling;
using InferenceService.Engine;
using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using InferenceService.Contracts;
using InferenceService.Endpoints;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;

namespace InferenceService.Benchmarks;

/// <summary>
/// One Open Inference Protocol request for the benchmark MLP (64 FP32 in, 10 out, one row), from the body's bytes to
/// the answer's, through a real scheduler and ONNX Runtime session: decode, run, encode. Each "before" benchmark is the
/// request path as it was before the one-parse path (kept here as the baseline): the body deserialized into the wire
/// DTOs (whose <c>data</c>, a JsonElement, is a second parse into a document of its own), each input decoded on its
/// own, checked against the model after decoding, and a new Utf8JsonWriter per answer. "After" is the service's path
/// today: one JsonDocument over the body's bytes, read in one walk against the model, every input checked before
/// anything is rented, then decoded straight into pooled tensors, and the answer written by a cached writer.
/// Allocation is per request and process-wide (the scheduler's instance thread included).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RequestPathBenchmarks
{
    private const string Decode = "Decode (body -> tensors)";
    private const string Path = "Decode -> Run -> Encode";
    private const string Encode = "Encode (result -> answer)";

    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private readonly InferencePipeline _pipeline = new();
    private LoadedModel _model = null!;
    private byte[] _body = [];
    private ArrayBufferWriter<byte> _answer = null!;
    private Utf8JsonWriter _cachedWriter = null!;
    private InferenceResult _result = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = LoadedModel.WithScheduler("mlp", 1, new ModelConfig { MaxBatchSize = 64 },
            new SessionPool([OnnxSession.Create(BenchmarkModels.PathOf("mlp.onnx"), new SessionSettings { IntraOpThreads = 1 })]),
            new Dictionary<string, IReadOnlyList<string>>());
        var random = new Random(7);
        var data = string.Join(",", Enumerable.Range(0, 64).Select(_ => random.NextSingle().ToString(CultureInfo.InvariantCulture)));
        _body = Encoding.UTF8.GetBytes($$"""{"inputs":[{"name":"input","shape":[1,64],"datatype":"FP32","data":[{{data}}]}]}""");
        _answer = new ArrayBufferWriter<byte>(4096);
        _cachedWriter = new Utf8JsonWriter(_answer, s_writerOptions);
        _result = Before_Path().GetAwaiter().GetResult() > 0 ? RunOnce() : throw new InvalidOperationException("No answer.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _result.Dispose();
        _cachedWriter.Dispose();
        _model.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Decode)]
    public long Before_Decode()
    {
        var inputs = DecodeAsBefore(out _);
        var count = inputs[0].ElementCount;
        inputs.ForEach(i => i.Dispose());
        return count;
    }

    [Benchmark, BenchmarkCategory(Decode)]
    public long After_Decode()
    {
        using var decoded = DecodeAsNow(out var body);
        body.Dispose();
        return decoded.Inputs[0].ElementCount;
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Path)]
    public async Task<int> Before_Path()
    {
        var inputs = DecodeAsBefore(out var outputs);
        try
        {
            using var result = await _pipeline.InferAsync(_model, inputs, outputs, CancellationToken.None);
            return WriteAsBefore(result);
        }
        finally
        {
            inputs.ForEach(i => i.Dispose());
        }
    }

    [Benchmark, BenchmarkCategory(Path)]
    public async Task<int> After_Path()
    {
        using var decoded = DecodeAsNow(out var body);
        try
        {
            using var result = await _pipeline.InferAsync(decoded, CancellationToken.None);
            return WriteAsNow(result);
        }
        finally
        {
            body.Dispose();
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Encode)]
    public int Before_Encode() => WriteAsBefore(_result);

    [Benchmark, BenchmarkCategory(Encode)]
    public int After_Encode() => WriteAsNow(_result);

    private InferenceResult RunOnce()
    {
        using var decoded = DecodeAsNow(out var body);
        body.Dispose();
        return _pipeline.InferAsync(decoded, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>The handler's decode before: the DTOs, then each input on its own (the old endpoint's checks, then the decoder).</summary>
    private List<InputTensor> DecodeAsBefore(out string[]? outputs)
    {
        var request = JsonSerializer.Deserialize(_body, ContractsJsonContext.Default.InferenceRequest)!;
        var inputs = new List<InputTensor>();
        foreach (var input in request.Inputs!)
        {
            if (string.IsNullOrEmpty(input.Name) || !TensorDataType.TryParse(input.Datatype, out var type) || input.Shape is null || _model.FindInput(input.Name) is null)
            {
                throw new InvalidOperationException("The benchmark's request is valid.");
            }
            inputs.Add(JsonTensorDecoder.DecodeWithShape(input.Name, input.Data, type, input.Shape.ToArray()));
        }
        outputs = request.Outputs?.Select(o => o.Name!).ToArray();
        return inputs;
    }

    /// <summary>The handler's decode now: one document over the bytes, read against the model, checked, then decoded.</summary>
    private DecodedRequest DecodeAsNow(out RequestBodyDocument body)
    {
        body = RequestBodyDocument.Parse(_body, liftInputData: InputDataLayout.Protocol);
        var problems = new RequestProblems();
        using var request = InferenceRequestReader.Read(body, _model, ref problems);
        return _pipeline.Decode(_model, request.Inputs, request.Outputs, ref problems) ?? throw problems.ToException();
    }

    private int WriteAsBefore(InferenceResult result)
    {
        _answer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_answer);
        InferenceResponseWriter.Write(writer, result, "0123456789abcdef0123456789abcdef", null);
        writer.Flush();
        return _answer.WrittenCount;
    }

    private int WriteAsNow(InferenceResult result)
    {
        _answer.ResetWrittenCount();
        _cachedWriter.Reset(_answer);
        InferenceResponseWriter.Write(_cachedWriter, result, "0123456789abcdef0123456789abcdef", null);
        _cachedWriter.Flush();
        return _answer.WrittenCount;
    }
}
