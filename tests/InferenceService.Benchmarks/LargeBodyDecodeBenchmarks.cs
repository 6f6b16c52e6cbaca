using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using InferenceService.Contracts;
using InferenceService.Engine;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;

namespace InferenceService.Benchmarks;

/// <summary>
/// The decode of a large Open Inference Protocol request (12,288 FP32 in one input, the size of the benchmark CNN's
/// 3x64x64 image, about 100 KB of JSON), from the body's bytes to the tensor: the whole body parsed into a document
/// and every number read from it (baseline), against the inputs' flat number arrays lifted out of the body first and
/// read straight from the text, the rest parsed without them (the server's path); the numbers written as a float's
/// shortest text, or as the 17 digits Python clients write for a float32.
/// </summary>
[MemoryDiagnoser]
public class LargeBodyDecodeBenchmarks
{
    private readonly InferencePipeline _pipeline = new();
    private LoadedModel _model = null!;
    private byte[] _body = [];

    /// <summary>How the numbers are written: a float's shortest text, or the 17 digits of that float widened to double (what Python's json writes for a float32).</summary>
    [Params("float", "float as double")]
    public string Numbers { get; set; } = "float";

    [GlobalSetup]
    public void Setup()
    {
        _model = LoadedModel.WithScheduler("identity", 1, new ModelConfig { MaxBatchSize = 0 },
            new SessionPool([OnnxSession.Create(BenchmarkModels.PathOf("identity_float.onnx"), new SessionSettings { IntraOpThreads = 1 })]),
            new Dictionary<string, IReadOnlyList<string>>());
        var random = new Random(7);
        var data = string.Join(",", Enumerable.Range(0, 4096 * 3).Select(_ => random.NextSingle() * 4 - 2)
            .Select(value => Numbers == "float" ? value.ToString(CultureInfo.InvariantCulture) : ((double)value).ToString("R", CultureInfo.InvariantCulture)));
        _body = Encoding.UTF8.GetBytes($$"""{"inputs":[{"name":"x","shape":[4096,3],"datatype":"FP32","data":[{{data}}]}]}""");
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark(Baseline = true)]
    public long WholeDocument() => Decode(liftInputData: false);

    [Benchmark]
    public long DataReadFromText() => Decode(liftInputData: true);

    private long Decode(bool liftInputData)
    {
        using var body = RequestBodyDocument.Parse(_body, liftInputData: liftInputData);
        var problems = new RequestProblems();
        using var request = InferenceRequestReader.Read(body, _model, ref problems);
        using var decoded = _pipeline.Decode(_model, request.Inputs, request.Outputs, ref problems) ?? throw problems.ToException();
        return decoded.Inputs[0].ElementCount;
    }
}
