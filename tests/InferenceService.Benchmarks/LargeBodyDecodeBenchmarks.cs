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
/// shortest text, or as the 17 digits Python clients write for a float32. The same for the simple API's body, whose
/// input is nested as its shape.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LargeBodyDecodeBenchmarks
{
    private readonly InferencePipeline _pipeline = new();
    private LoadedModel _model = null!;
    private const string Protocol = "Open Inference Protocol, flat data";
    private const string Simple = "/predict, nested";

    private byte[] _body = [];
    private byte[] _predictBody = [];

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
        // The same numbers as the simple API sends them: nested as the shape, 4,096 rows of 3.
        var rows = data.Split(',').Chunk(3).Select(row => "[" + string.Join(",", row) + "]");
        _predictBody = Encoding.UTF8.GetBytes("{\"model\":\"identity\",\"inputs\":{\"x\":[" + string.Join(",", rows) + "]}}");
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark(Baseline = true), BenchmarkCategory(Protocol)]
    public long WholeDocument() => Decode(InputDataLayout.None);

    [Benchmark, BenchmarkCategory(Protocol)]
    public long DataReadFromText() => Decode(InputDataLayout.Protocol);

    [Benchmark(Baseline = true), BenchmarkCategory(Simple)]
    public long Predict_WholeDocument() => DecodePredict(InputDataLayout.None);

    [Benchmark, BenchmarkCategory(Simple)]
    public long Predict_DataReadFromText() => DecodePredict(InputDataLayout.Simple);

    private long DecodePredict(InputDataLayout liftInputData)
    {
        using var body = RequestBodyDocument.Parse(_predictBody, liftInputData: liftInputData);
        var problems = new RequestProblems();
        var request = PredictRequestReader.Read(body, ref problems);
        PredictRequestReader.ReadInputs(body, ref request, _model, ref problems);
        using var decoded = _pipeline.Decode(_model, request.Inputs, request.Outputs, ref problems) ?? throw problems.ToException();
        request.Dispose();
        return decoded.Inputs[0].ElementCount;
    }

    private long Decode(InputDataLayout liftInputData)
    {
        using var body = RequestBodyDocument.Parse(_body, liftInputData: liftInputData);
        var problems = new RequestProblems();
        using var request = InferenceRequestReader.Read(body, _model, ref problems);
        using var decoded = _pipeline.Decode(_model, request.Inputs, request.Outputs, ref problems) ?? throw problems.ToException();
        return decoded.Inputs[0].ElementCount;
    }
}
